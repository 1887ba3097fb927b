// kf_cpu.h — what vector instructions this CPU and its operating system
// allow, read once from cpuid and xgetbv. Swift has no way to ask; Vision's
// SIMDPath asks here and picks its kernels.
#ifndef KF_CPU_H
#define KF_CPU_H

/// 1 when the CPU has AVX2 and FMA and the OS saves the ymm registers.
int kf_cpu_has_avx2_fma(void);

/// 1 when the CPU has AVX-512 F, DQ, BW and VL (what `-target-cpu
/// skylake-avx512` code may use) and the OS saves the zmm and mask
/// registers; 0 otherwise (and always 0 on other architectures).
int kf_cpu_has_avx512(void);

/// The CPU's brand string ("AMD EPYC 9B45 …") into `buffer` (NUL-terminated,
/// at most `size` bytes including the NUL); "" when cpuid has none.
void kf_cpu_brand(char *buffer, int size);

/// cpuid's family and model (extended fields applied), or -1 each off x86.
void kf_cpu_family_model(int *family, int *model);

#endif
