package dev.uem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesIntoNewFoldersAndReplaces() throws IOException {
        Path f = dir.resolve("a/b/out.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        try (var files = Files.list(dir.resolve("a/b"))) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void aBodyThatClosesItsStreamStillCompletes() throws IOException {
        Path f = dir.resolve("closed.json");
        AtomicFiles.write(
                f, out -> new com.fasterxml.jackson.databind.ObjectMapper().writeValue(out, java.util.Map.of("k", 1)));
        assertEquals("{\"k\":1}", Files.readString(f));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("out.txt");
        AtomicFiles.writeString(f, "old");
        UncheckedIOException e = assertThrows(
                UncheckedIOException.class,
                () -> AtomicFiles.write(f, out -> {
                    out.write("half".getBytes());
                    throw new IOException("disk full");
                }));
        assertTrue(e.getMessage().contains("out.txt") && e.getMessage().contains("disk full"), e.getMessage());
        assertThrows(
                IllegalStateException.class,
                () -> AtomicFiles.write(f, out -> {
                    throw new IllegalStateException("encoder failed");
                }));
        assertEquals("old", Files.readString(f));
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void aRealFullDiskNamesThePathAndTheCause() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")), "needs /dev/full (Linux)");
        Path f = dir.resolve("results.json");
        AtomicFiles.writeString(f, "old");
        // the temporary file is where the bytes go: make it the always-full device
        Path tmpName =
                dir.resolve("results.json." + ProcessHandle.current().pid() + ".tmp"); // this process's temporary name
        Files.createSymbolicLink(tmpName, Path.of("/dev/full"));
        UncheckedIOException e =
                assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeString(f, "x".repeat(1 << 20)));
        assertTrue(
                e.getMessage().startsWith(f + ": cannot write: ")
                        && e.getMessage().toLowerCase().contains("space"),
                e.getMessage());
        assertEquals("old", Files.readString(f));
        assertFalse(Files.exists(tmpName, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the temporary file is removed");
    }
}
