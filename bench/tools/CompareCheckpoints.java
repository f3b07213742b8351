// Largest absolute difference between the parameters of two uem checkpoints (checkpoints/step-N folders):
//   java -cp target/uem.jar bench/tools/CompareCheckpoints.java DIR_A DIR_B
import dev.uem.model.io.SafetensorsFile;
import java.nio.file.Path;
public class CompareCheckpoints {
    public static void main(String[] a) {
        dev.uem.torch.TorchRuntime.init();
        for (String f : new String[] {"model.safetensors"}) {
            try (SafetensorsFile x = SafetensorsFile.open(Path.of(a[0], f)); SafetensorsFile y = SafetensorsFile.open(Path.of(a[1], f))) {
                double worst = 0; int n = 0;
                for (String k : x.names()) { worst = Math.max(worst, x.read(k).sub(y.read(k)).abs().max().item_double()); n++; }
                System.out.println(f + ": " + n + " tensors, max |diff| = " + worst + (x.names().equals(y.names()) ? "" : " (names differ!)"));
            }
        }
    }
}
