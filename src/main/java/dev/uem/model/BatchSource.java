package dev.uem.model;

import dev.uem.data.Examples;

import java.util.List;

/** Turns (user, window) examples into the tensors one arm's model reads. */
public interface BatchSource {
    /** The windows with their users' target sentences; tensors are created in the caller's PointerScope. */
    Batch build(List<Examples.Window> windows);
}
