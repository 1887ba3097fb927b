// Umbrella header for the CMalloc system-library module: glibc's malloc.h,
// for malloc_trim (Swift's Glibc module does not include it).
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
