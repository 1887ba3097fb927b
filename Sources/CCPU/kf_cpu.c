// kf_cpu.c — cpuid and xgetbv probes (see kf_cpu.h).
#include "kf_cpu.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/// XCR0: which register states the OS saves on a context switch.
static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/// Leaf 1 ECX bit 27 (OSXSAVE): xgetbv may be executed.
static int os_uses_xsave(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c >> 27) & 1;
}

int kf_cpu_has_avx2_fma(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!fma || !avx || !os_uses_xsave()) return 0;
    if ((read_xcr0() & 0x6) != 0x6) return 0; // xmm and ymm state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1; // AVX2
}

int kf_cpu_has_avx512(void) {
    if (!kf_cpu_has_avx2_fma()) return 0;
    // opmask, upper halves of zmm0-15, zmm16-31, plus xmm and ymm.
    if ((read_xcr0() & 0xE6) != 0xE6) return 0;
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    return f && dq && bw && vl;
}

void kf_cpu_brand(char *buffer, int size) {
    if (size <= 0) return;
    buffer[0] = 0;
    unsigned int regs[12];
    unsigned int a, b, c, d;
    if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000004) return;
    for (unsigned int i = 0; i < 3; i++) {
        __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    }
    char brand[49];
    memcpy(brand, regs, 48);
    brand[48] = 0;
    const char *start = brand;
    while (*start == ' ') start++;
    size_t length = strlen(start);
    while (length > 0 && start[length - 1] == ' ') length--;
    if (length > (size_t)(size - 1)) length = (size_t)(size - 1);
    memcpy(buffer, start, length);
    buffer[length] = 0;
}

void kf_cpu_family_model(int *family, int *model) {
    unsigned int a, b, c, d;
    *family = -1;
    *model = -1;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    unsigned int base = (a >> 8) & 0xF, ext = (a >> 20) & 0xFF;
    unsigned int m = (a >> 4) & 0xF, extModel = (a >> 16) & 0xF;
    *family = (int)(base == 0xF ? base + ext : base);
    *model = (int)(base == 0x6 || base == 0xF ? (extModel << 4) | m : m);
}

#else

int kf_cpu_has_avx2_fma(void) { return 0; }
int kf_cpu_has_avx512(void) { return 0; }
void kf_cpu_brand(char *buffer, int size) { if (size > 0) buffer[0] = 0; }
void kf_cpu_family_model(int *family, int *model) { *family = -1; *model = -1; }

#endif
