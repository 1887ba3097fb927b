// kf_cancellation.c — see include/kf_cancellation.h.
#include "kf_cancellation.h"

#include <stdatomic.h>
#include <stdlib.h>

// A lock-free atomic_int never takes a lock, which is what makes these
// functions safe in a signal handler; refuse to build where it is not.
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic_int must be lock-free for use in a signal handler");

struct kf_cancellation_word {
    atomic_int value;
};

static struct kf_cancellation_word process_word = { 0 };

kf_cancellation_word *kf_cancellation_process_word(void) { return &process_word; }

kf_cancellation_word *kf_cancellation_word_create(void) {
    struct kf_cancellation_word *word = malloc(sizeof *word);
    if (word) atomic_init(&word->value, 0);
    return word;
}

void kf_cancellation_word_destroy(kf_cancellation_word *word) {
    if (word != &process_word) free(word);
}

int kf_cancellation_load(const kf_cancellation_word *word) {
    return atomic_load(&((struct kf_cancellation_word *)word)->value);
}

void kf_cancellation_store(kf_cancellation_word *word, int value) { atomic_store(&word->value, value); }

int kf_cancellation_exchange(kf_cancellation_word *word, int value) {
    return atomic_exchange(&word->value, value);
}
