// strata k-NN on CUDA: the kernels around cuBLAS's Gram tiles. Compiled at run time by NVRTC
// (see dev.strata.knn.CudaKnnBackend); no headers, so it compiles with NVRTC's built-ins alone.
// Build options used: --ftz=false --prec-div=true --prec-sqrt=true --fmad=false.
//
// Order used everywhere (the CPU backend's): a candidate (score s, index i) comes before (t, j) when
// s > t, or s == t and i < j. Padding entries are (-inf, INT_MAX) and so come after every real one.

#define FULL_MASK 0xffffffffu
#define PAD_INDEX 2147483647
#define NEG_INF __int_as_float(0xff800000)

// Threads per block of knn_merge_topk; the launcher uses the same value.
#define MERGE_THREADS 256
// Candidates a merge block buffers before it sorts them into the running list.
#define MERGE_BUFFER 1024

__device__ __forceinline__ bool knn_before(float s, int i, float t, int j) {
    return s > t || (s == t && i < j);
}

// Sorts key/idx[0, n) (n a power of two) into knn_before order with all threads of the block.
__device__ void knn_bitonic_sort(float* key, int* idx, int n) {
    for (int k = 2; k <= n; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            for (int i = threadIdx.x; i < n; i += blockDim.x) {
                int p = i ^ j;
                if (p > i) {
                    float a = key[i], b = key[p];
                    int ia = idx[i], ib = idx[p];
                    bool forward = (i & k) == 0;
                    bool swap = forward ? knn_before(b, ib, a, ia) : knn_before(a, ia, b, ib);
                    if (swap) {
                        key[i] = b; key[p] = a;
                        idx[i] = ib; idx[p] = ia;
                    }
                }
            }
            __syncthreads();
        }
    }
}

// One block per row of the tile. Merges the candidates of one Gram tile row (cols scores of columns
// col0 .. col0+cols-1, row-major with leading dimension cols) into the row's running list of the
// best m candidates (list_score/list_index, m per row, sorted; list_count valid entries), skipping
// the row itself. fresh != 0 starts from an empty list. Warp-level selection: each warp ballots the
// lanes whose candidate beats the list's current last entry and appends them to a shared buffer
// with one atomic per warp; a full (or final) buffer is sorted together with the list (bitonic, in
// shared memory) and the best m are kept. Dynamic shared memory: sort_n * 8 bytes, where sort_n is
// the power of two >= m + MERGE_BUFFER.
extern "C" __global__ void knn_merge_topk(const float* __restrict__ gram, int cols, int row0, int col0,
                                          float* __restrict__ list_score, int* __restrict__ list_index,
                                          int* __restrict__ list_count, int m, int sort_n, int fresh) {
    extern __shared__ float shared[];
    float* key = shared;
    int* idx = (int*) (shared + sort_n);
    __shared__ int buffered;

    const int r = blockIdx.x;
    const int row = row0 + r;
    const int lane = threadIdx.x & 31;
    const float* g = gram + (unsigned long long) r * cols;
    float* ls = list_score + (unsigned long long) r * m;
    int* li = list_index + (unsigned long long) r * m;

    int count = fresh ? 0 : list_count[r];
    for (int i = threadIdx.x; i < sort_n; i += blockDim.x) {
        if (i < count) { key[i] = ls[i]; idx[i] = li[i]; }
        else { key[i] = NEG_INF; idx[i] = PAD_INDEX; }
    }
    if (threadIdx.x == 0) buffered = 0;
    __syncthreads();

    for (int base = 0; base < cols; base += blockDim.x) {
        const bool full = count == m;
        const float last_s = key[m - 1];
        const int last_i = idx[m - 1];
        const int c = base + threadIdx.x;
        bool pass = false;
        float s = 0.0f;
        int j = 0;
        if (c < cols) {
            j = col0 + c;
            if (j != row) {
                s = g[c];
                pass = !full || knn_before(s, j, last_s, last_i);
            }
        }
        unsigned mask = __ballot_sync(FULL_MASK, pass);
        int warp_base = 0;
        if (lane == 0 && mask != 0) warp_base = atomicAdd(&buffered, __popc(mask));
        warp_base = __shfl_sync(FULL_MASK, warp_base, 0);
        if (pass) {
            int slot = m + warp_base + __popc(mask & ((1u << lane) - 1u));
            key[slot] = s;
            idx[slot] = j;
        }
        __syncthreads();
        const int nb = buffered;
        __syncthreads(); // every thread has read nb before anyone appends again
        const bool last = base + (int) blockDim.x >= cols;
        if (nb > MERGE_BUFFER - (int) blockDim.x || (last && nb > 0)) {
            for (int i = m + nb + threadIdx.x; i < sort_n; i += blockDim.x) {
                key[i] = NEG_INF;
                idx[i] = PAD_INDEX;
            }
            __syncthreads();
            knn_bitonic_sort(key, idx, sort_n);
            count = min(m, count + nb);
            if (threadIdx.x == 0) buffered = 0;
            __syncthreads();
        }
    }
    for (int i = threadIdx.x; i < m; i += blockDim.x) {
        ls[i] = key[i];
        li[i] = idx[i];
    }
    if (threadIdx.x == 0) list_count[r] = count;
}

// One block per row of the tile, after all column blocks were merged. The running list holds the
// best m candidates by cuBLAS score. Every candidate whose approximate score is at least
// cutoff = (k-th approximate score) - width, rounded down, is re-scored exactly: sequential fmaf
// over d = 0 .. dim-1 from +0, the CPU backend's definition, bit for bit. The best k of those by
// exact score (ties: lower index) are written to out (k per row). If the list is not complete
// (complete == 0) and even its last entry is within the window, candidates outside the list might
// belong to it: overflow[r] = 1 and out is left alone (the host recomputes that row). Dynamic
// shared memory: m * 8 bytes.
extern "C" __global__ void knn_rescore_select(const float* __restrict__ x, int dim, int row0,
                                              const float* __restrict__ list_score, const int* __restrict__ list_index,
                                              int m, int k, float width, int complete,
                                              int* __restrict__ out, int* __restrict__ overflow) {
    extern __shared__ float shared[];
    float* exact = shared;
    int* cand = (int*) (shared + m);
    __shared__ int window;

    const int r = blockIdx.x;
    const int row = row0 + r;
    const float* ls = list_score + (unsigned long long) r * m;
    const int* li = list_index + (unsigned long long) r * m;
    const float cutoff = __fsub_rd(ls[k - 1], width);

    if (threadIdx.x == 0) {
        int w = k;
        while (w < m && ls[w] >= cutoff) w++;
        window = (!complete && w == m) ? -1 : w;
        overflow[r] = window < 0 ? 1 : 0;
    }
    __syncthreads();
    const int w = window;
    if (w < 0) return;

    const float* xr = x + (unsigned long long) row * dim;
    for (int i = threadIdx.x; i < w; i += blockDim.x) {
        const int j = li[i];
        const float* xj = x + (unsigned long long) j * dim;
        float acc = 0.0f;
        for (int d = 0; d < dim; d++) acc = fmaf(xr[d], xj[d], acc);
        exact[i] = acc;
        cand[i] = j;
    }
    __syncthreads();
    for (int i = threadIdx.x; i < w; i += blockDim.x) {
        const float s = exact[i];
        const int j = cand[i];
        int rank = 0;
        for (int q = 0; q < w; q++) rank += knn_before(exact[q], cand[q], s, j) ? 1 : 0;
        if (rank < k) out[(unsigned long long) r * k + rank] = j;
    }
}

// Exact scores of one row against all n rows (the overflow fallback): one thread per column,
// sequential fmaf over d as in knn_rescore_select.
extern "C" __global__ void knn_exact_scores(const float* __restrict__ x, int dim, int row, int n,
                                            float* __restrict__ scores) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n) return;
    const float* xr = x + (unsigned long long) row * dim;
    const float* xj = x + (unsigned long long) j * dim;
    float acc = 0.0f;
    for (int d = 0; d < dim; d++) acc = fmaf(xr[d], xj[d], acc);
    scores[j] = acc;
}

// float32 -> bfloat16 bits, round to nearest even (inputs are finite), for the BF16 Gram mode.
extern "C" __global__ void knn_to_bf16(const float* __restrict__ x, unsigned short* __restrict__ y,
                                       long long count) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long stride = (long long) gridDim.x * blockDim.x;
    for (; i < count; i += stride) {
        unsigned int bits = __float_as_uint(x[i]);
        bits += 0x7fffu + ((bits >> 16) & 1u);
        y[i] = (unsigned short) (bits >> 16);
    }
}
