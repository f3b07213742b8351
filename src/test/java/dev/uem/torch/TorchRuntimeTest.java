package dev.uem.torch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TorchRuntimeTest {
    /**
     * The heap settings reach glibc: false would mean the JNI glue is missing from the build or glibc refused a value.
     * Their effect (a t5-mini step's page faults and time) is a measurement, in bench/RESULTS.md, not a unit test.
     */
    @Test
    void glibcTakesTheSettingsThatKeepFreedMemory() {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/maps")), "Linux only");
        Assumptions.assumeTrue(System.getenv("UEM_KEEP_FREED_MEMORY") == null, "switched off in this environment");
        assertTrue(TorchRuntime.keepFreedMemory());
    }
}
