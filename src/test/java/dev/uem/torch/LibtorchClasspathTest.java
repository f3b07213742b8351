package dev.uem.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One libtorch build on the class path: two abort the process at start-up (the -Pgpu jar of issue #12). */
class LibtorchClasspathTest {
    @Test
    void bothBuildsOnAClassPathAreAConflict() {
        List<String> both = List.of(
                "target/lib/pytorch-2.10.0-1.5.13.jar",
                "target/lib/pytorch-2.10.0-1.5.13-linux-x86_64.jar",
                "target/lib/pytorch-2.10.0-1.5.13-linux-x86_64-gpu.jar",
                "target/lib/openblas-0.3.31-1.5.13-linux-x86_64.jar");
        String e = LibtorchClasspath.conflict(both);
        assertNotNull(e);
        assertTrue(e.contains("2 libtorch builds") && e.contains("-gpu.jar") && e.contains("-Pgpu"), e);
        assertTrue(LibtorchClasspath.cuda(both));
        List<String> gpu = List.of(both.get(0), both.get(2), both.get(3));
        assertNull(LibtorchClasspath.conflict(gpu));
        assertTrue(LibtorchClasspath.cuda(gpu));
        assertFalse(LibtorchClasspath.cuda(List.of(both.get(0), both.get(1))));
    }

    @Test
    void theBuildsClassPathHoldsExactlyOneLibtorch() {
        // the test JVM's class path is the pom's dependency set: a profile that adds a second libtorch fails here
        List<String> natives = LibtorchClasspath.natives(LibtorchClasspath.current());
        assertEquals(1, natives.size(), natives.toString());
    }
}
