// kf_cancellation.h — the atomic word behind Common's CancellationFlag: C11
// atomics, lock-free (checked at compile time), so a signal handler may load,
// store and exchange it. The process-wide word is a static C global: no
// allocation, no lazy initialisation, nothing for a handler to wait on.
#ifndef KF_CANCELLATION_H
#define KF_CANCELLATION_H

/// One atomic int; opaque so that Swift never sees an _Atomic type.
typedef struct kf_cancellation_word kf_cancellation_word;

/// The process-wide word (the one the SIGINT handler sets); never freed.
kf_cancellation_word *kf_cancellation_process_word(void);

/// A new word holding 0 (malloc'd); NULL when out of memory.
kf_cancellation_word *kf_cancellation_word_create(void);
/// Frees a word from kf_cancellation_word_create (never the process word).
void kf_cancellation_word_destroy(kf_cancellation_word *word);

/// The word's value (sequentially consistent). Async-signal-safe.
int kf_cancellation_load(const kf_cancellation_word *word);
/// Sets the word's value (sequentially consistent). Async-signal-safe.
void kf_cancellation_store(kf_cancellation_word *word, int value);
/// Sets the word's value and returns the one before. Async-signal-safe.
int kf_cancellation_exchange(kf_cancellation_word *word, int value);

#endif
