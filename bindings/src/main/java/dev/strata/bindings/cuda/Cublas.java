package dev.strata.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.strata.bindings.NativeException;
import dev.strata.bindings.NativeLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * cublas_api.h (libcublas), the parts strata uses. Handles, streams and matrices are
 * {@link MemorySegment}s, matrices column-major in device memory; alpha and beta are host scalars (the default CUBLAS_POINTER_MODE_HOST). Every
 * non-zero {@code cublasStatus_t} becomes a {@link NativeException} naming the call and the status.
 */
public final class Cublas {
    /** cublasOperation_t. */
    public static final int OP_N = 0, OP_T = 1;
    /** cublasMath_t. */
    public static final int DEFAULT_MATH = 0, PEDANTIC_MATH = 2;
    /** cudaDataType_t (library_types.h). */
    public static final int R_32F = 0, R_16BF = 14;
    /** cublasComputeType_t. */
    public static final int COMPUTE_32F = 68, COMPUTE_32F_FAST_TF32 = 77;
    /** cublasGemmAlgo_t CUBLAS_GEMM_DEFAULT. */
    public static final int GEMM_DEFAULT = -1;

    /** cublasStatus_t names, for libraries without cublasGetStatusName. */
    private static final Map<Integer, String> STATUS = Map.of(0, "CUBLAS_STATUS_SUCCESS", 1, "CUBLAS_STATUS_NOT_INITIALIZED",
            3, "CUBLAS_STATUS_ALLOC_FAILED", 7, "CUBLAS_STATUS_INVALID_VALUE", 8, "CUBLAS_STATUS_ARCH_MISMATCH",
            11, "CUBLAS_STATUS_MAPPING_ERROR", 13, "CUBLAS_STATUS_EXECUTION_FAILED", 14, "CUBLAS_STATUS_INTERNAL_ERROR",
            15, "CUBLAS_STATUS_NOT_SUPPORTED", 16, "CUBLAS_STATUS_LICENSE_ERROR");

    private final String library;
    private final MethodHandle create, destroy, setStream, setMathMode, sgemm, gemmEx;
    private final MethodHandle getStatusName; // null when the library predates cublasGetStatusName
    private final MemorySegment one, zero;

    Cublas(SymbolLookup lookup, String library) {
        this.library = library;
        create = fn(lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = fn(lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = fn(lookup, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setMathMode = fn(lookup, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        sgemm = fn(lookup, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        gemmEx = fn(lookup, "cublasGemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        getStatusName = lookup.find("cublasGetStatusName").isPresent()
                ? fn(lookup, "cublasGetStatusName", FunctionDescriptor.of(ADDRESS, JAVA_INT)) : null;
        Arena arena = Arena.ofAuto();
        one = arena.allocateFrom(JAVA_FLOAT, 1f);
        zero = arena.allocateFrom(JAVA_FLOAT, 0f);
    }

    private MethodHandle fn(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return NativeLibrary.link(lookup, library, name, descriptor);
    }

    /** cublasCreate_v2: a handle bound to the current device. */
    public MemorySegment create() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) create.invokeExact(out), "cublasCreate_v2");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cublasDestroy_v2 (NULL is ignored). */
    public void destroy(MemorySegment handle) {
        if (handle.address() == 0) return;
        try {
            check((int) destroy.invokeExact(handle), "cublasDestroy_v2");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cublasSetStream_v2: later calls on {@code handle} are queued on {@code stream}. */
    public void setStream(MemorySegment handle, MemorySegment stream) {
        try {
            check((int) setStream.invokeExact(handle, stream), "cublasSetStream_v2");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cublasSetMathMode: DEFAULT_MATH or PEDANTIC_MATH. */
    public void setMathMode(MemorySegment handle, int mode) {
        try {
            check((int) setMathMode.invokeExact(handle, mode), "cublasSetMathMode(" + mode + ")");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cublasSgemm_v2 with alpha = 1, beta = 0: C (m x n) = op(A) op(B), float32, column-major. */
    public void sgemm(MemorySegment handle, int transA, int transB, int m, int n, int k, MemorySegment a, int lda,
            MemorySegment b, int ldb, MemorySegment c, int ldc) {
        try {
            check((int) sgemm.invokeExact(handle, transA, transB, m, n, k, one, a, lda, b, ldb, zero, c, ldc),
                    "cublasSgemm_v2(m=" + m + ", n=" + n + ", k=" + k + ")");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * cublasGemmEx with float alpha = 1, beta = 0: C (m x n, {@code typeC}) = op(A) op(B) with inputs of
     * {@code typeAB} (R_32F, R_16BF, ...), {@code computeType} (COMPUTE_*) and CUBLAS_GEMM_DEFAULT.
     */
    public void gemmEx(MemorySegment handle, int transA, int transB, int m, int n, int k, MemorySegment a, int lda,
            MemorySegment b, int ldb, int typeAB, MemorySegment c, int ldc, int typeC, int computeType) {
        try {
            check((int) gemmEx.invokeExact(handle, transA, transB, m, n, k, one, a, typeAB, lda, b, typeAB, ldb, zero, c,
                    typeC, ldc, computeType, GEMM_DEFAULT), "cublasGemmEx(m=" + m + ", n=" + n + ", k=" + k
                    + ", type " + typeAB + ", compute " + computeType + ")");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** The status's name, e.g. "CUBLAS_STATUS_ALLOC_FAILED (3)". */
    public String describe(int status) {
        String name = null;
        if (getStatusName != null) {
            try {
                name = CudaRuntime.string((MemorySegment) getStatusName.invokeExact(status));
            } catch (Throwable t) {
                name = null;
            }
        }
        if (name == null || name.equals("?")) name = STATUS.getOrDefault(status, "cublasStatus");
        return name + " (" + status + ")";
    }

    /** Throws a NativeException naming {@code call} unless {@code status} is CUBLAS_STATUS_SUCCESS. */
    public void check(int status, String call) {
        if (status != 0) throw new NativeException(call + " failed: " + describe(status));
    }

    /** The table used when the library has no cublasGetStatusName (for tests). */
    static String statusName(int status) {
        return STATUS.getOrDefault(status, "cublasStatus") + " (" + status + ")";
    }
}
