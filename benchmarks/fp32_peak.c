/*
 * The machine's float32 FMA peak, for knn_vs_numpy.py: every thread issues fused multiply-adds into
 * enough independent vector accumulators to keep all FMA pipes busy (latency x pipes in flight), with
 * no memory traffic. Prints one line per thread count: "threads T GFLOPS G ISA" (2 flops per lane per
 * FMA), best of three timed passes each, for 1 thread and for every online core.
 *
 * The widest FMA the CPU runs is chosen at run time (AVX-512F, else AVX2 + FMA), each compiled with a
 * target attribute, so the same binary serves both kinds of machine.
 *
 * Build: gcc -O2 -pthread fp32_peak.c -o fp32-peak      Usage: fp32-peak [SECONDS_PER_PASS]
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Zen and Intel cores retire 2 FMAs per cycle at a latency of 4-5 cycles: 10 in flight; 12 leaves headroom. */
#define AVX2_ACCUMULATORS 12
/* 32 zmm registers: 24 accumulators plus the two factors. */
#define AVX512_ACCUMULATORS 24

typedef double (*fma_loop)(long iterations);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Each loop returns a sum of its accumulators so the compiler cannot drop the work. */
__attribute__((target("avx2,fma"))) static double avx2_loop(long iterations) {
    __m256 acc[AVX2_ACCUMULATORS];
    for (int i = 0; i < AVX2_ACCUMULATORS; i++) acc[i] = _mm256_set1_ps((float) i);
    __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (long it = 0; it < iterations; it++) {
        for (int i = 0; i < AVX2_ACCUMULATORS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    float lanes[8];
    double sum = 0;
    for (int i = 0; i < AVX2_ACCUMULATORS; i++) {
        _mm256_storeu_ps(lanes, acc[i]);
        for (int l = 0; l < 8; l++) sum += lanes[l];
    }
    return sum;
}

__attribute__((target("avx512f"))) static double avx512_loop(long iterations) {
    __m512 acc[AVX512_ACCUMULATORS];
    for (int i = 0; i < AVX512_ACCUMULATORS; i++) acc[i] = _mm512_set1_ps((float) i);
    __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (long it = 0; it < iterations; it++) {
        for (int i = 0; i < AVX512_ACCUMULATORS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    double sum = 0;
    for (int i = 0; i < AVX512_ACCUMULATORS; i++) sum += _mm512_reduce_add_ps(acc[i]);
    return sum;
}

struct job {
    fma_loop loop;
    long iterations;
    double sink;
};

static void *run_job(void *arg) {
    struct job *job = arg;
    job->sink = job->loop(job->iterations);
    return NULL;
}

/* Seconds for `threads` threads each running `iterations` of the loop, started together. */
static double timed_pass(fma_loop loop, long iterations, int threads) {
    pthread_t ids[threads];
    struct job jobs[threads];
    double start = now();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct job) {loop, iterations, 0};
        if (pthread_create(&ids[t], NULL, run_job, &jobs[t]) != 0) {
            perror("fp32-peak: pthread_create");
            exit(1);
        }
    }
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    return now() - start;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    __builtin_cpu_init();
    fma_loop loop;
    const char *isa;
    double flops_per_iteration;
    if (__builtin_cpu_supports("avx512f")) {
        loop = avx512_loop, isa = "avx512f", flops_per_iteration = AVX512_ACCUMULATORS * 16 * 2.0;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        loop = avx2_loop, isa = "avx2+fma", flops_per_iteration = AVX2_ACCUMULATORS * 8 * 2.0;
    } else {
        fprintf(stderr, "fp32-peak: this CPU has neither AVX-512F nor AVX2 with FMA\n");
        return 2;
    }
    /* Calibrate the iterations of one pass on one thread, then time 1 thread and all cores. */
    long iterations = 1 << 20;
    while (timed_pass(loop, iterations, 1) < seconds / 4) iterations *= 2;
    iterations = (long) (iterations * (seconds / timed_pass(loop, iterations, 1)));
    if (iterations < 1) iterations = 1;
    int cores = (int) sysconf(_SC_NPROCESSORS_ONLN);
    int counts[2] = {1, cores};
    for (int c = 0; c < (cores > 1 ? 2 : 1); c++) {
        double best = 1e300;
        for (int pass = 0; pass < 3; pass++) {
            double s = timed_pass(loop, iterations, counts[c]);
            if (s < best) best = s;
        }
        printf("threads %d GFLOPS %.1f %s\n", counts[c], flops_per_iteration * iterations * counts[c] / best / 1e9, isa);
    }
    return 0;
}
