package dev.strata.gguf;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-Java forward pass of llama.cpp's LLM_ARCH_LLAMA graph (src/models/llama.cpp), in double precision, for
 * checking activations extracted from llama.cpp. Covers what {@link RandomLlamaModel} writes: no biases, no rope
 * scaling or frequency factors, no MoE.
 *
 * <p>Semantics as in llama.cpp v0.5.0: RMSNorm x / sqrt(mean(x^2) + eps) * w; "normal" RoPE rotating adjacent pairs
 * (x[2i], x[2i+1]) by pos * base^(-2i/n_rot); grouped-query attention where query head h reads kv head
 * h / (heads / kvHeads), causal, scaled by 1/sqrt(head size); FFN down(silu(gate(x)) * up(x)). A ggml matrix of
 * shape [in, out] is out rows of in values, so y[o] = sum_i W[o * in + i] x[i].
 *
 * <pre>{@code
 * ReferenceLlama.Result r = ReferenceLlama.load(gguf).forward(1, 450, 4996);
 * double[][] afterBlock2 = r.hidden(2); // [token][width]; hidden(0) is the embeddings
 * double[][] normed = r.output();      // RMSNorm(h_L) * output_norm.weight
 * }</pre>
 */
public final class ReferenceLlama {
    record Config(int blocks, int width, int heads, int kvHeads, int ffnWidth, double ropeBase, double rmsEpsilon) {
        int headSize() {
            return width / heads;
        }
    }

    private record Block(float[] attnNorm, float[] wq, float[] wk, float[] wv, float[] wo, float[] ffnNorm,
            float[] gate, float[] up, float[] down) {}

    /**
     * Activations of one sequence: {@code hidden(0)} the token embeddings, {@code hidden(l)} the residual stream
     * after block l, {@code output()} the final RMSNorm times output_norm.weight; each [token][width].
     */
    public record Result(List<double[][]> hiddenStates, double[][] output) {
        public double[][] hidden(int layer) {
            return hiddenStates.get(layer);
        }
    }

    private final Config config;
    private final float[] tokenEmbedding;
    private final Block[] blocks;
    private final float[] outputNorm;

    private ReferenceLlama(Config config, float[] tokenEmbedding, Block[] blocks, float[] outputNorm) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.blocks = blocks;
        this.outputNorm = outputNorm;
    }

    public static ReferenceLlama load(GgufFile gguf) {
        Config config = new Config(
                (int) gguf.integer("llama.block_count").orElseThrow(),
                (int) gguf.integer("llama.embedding_length").orElseThrow(),
                (int) gguf.integer("llama.attention.head_count").orElseThrow(),
                (int) gguf.integer("llama.attention.head_count_kv").orElseThrow(),
                (int) gguf.integer("llama.feed_forward_length").orElseThrow(),
                gguf.number("llama.rope.freq_base").orElse(10000),
                gguf.number("llama.attention.layer_norm_rms_epsilon").orElseThrow());
        if (gguf.integer("llama.rope.dimension_count").orElse(config.headSize()) != config.headSize()) {
            throw new IllegalArgumentException("partial rotary embeddings are not modelled");
        }
        Block[] blocks = new Block[config.blocks()];
        for (int b = 0; b < blocks.length; b++) {
            String p = "blk." + b + ".";
            blocks[b] = new Block(floats(gguf, p + "attn_norm.weight"), floats(gguf, p + "attn_q.weight"),
                    floats(gguf, p + "attn_k.weight"), floats(gguf, p + "attn_v.weight"),
                    floats(gguf, p + "attn_output.weight"), floats(gguf, p + "ffn_norm.weight"),
                    floats(gguf, p + "ffn_gate.weight"), floats(gguf, p + "ffn_up.weight"),
                    floats(gguf, p + "ffn_down.weight"));
        }
        return new ReferenceLlama(config, floats(gguf, "token_embd.weight"), blocks,
                floats(gguf, "output_norm.weight"));
    }

    private static float[] floats(GgufFile gguf, String name) {
        return gguf.floats(gguf.tensor(name).orElseThrow(() -> new IllegalArgumentException("no tensor " + name)));
    }

    Config config() {
        return config;
    }

    /** Runs one sequence whose positions are 0, 1, 2, ... */
    public Result forward(int... tokens) {
        int n = tokens.length;
        int width = config.width();
        int qWidth = config.heads() * config.headSize();
        int kvWidth = config.kvHeads() * config.headSize();
        double[][] h = new double[n][width];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < width; i++) {
                h[t][i] = tokenEmbedding[tokens[t] * width + i];
            }
        }
        List<double[][]> hidden = new ArrayList<>();
        hidden.add(copy(h));
        for (Block block : blocks) {
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] x = rmsNorm(h[t], block.attnNorm(), config.rmsEpsilon());
                q[t] = rope(matVec(block.wq(), x, width, qWidth), t, config.headSize(), config.ropeBase());
                k[t] = rope(matVec(block.wk(), x, width, kvWidth), t, config.headSize(), config.ropeBase());
                v[t] = matVec(block.wv(), x, width, kvWidth);
            }
            double[][] attended = attention(q, k, v, config.heads(), config.kvHeads(), config.headSize());
            for (int t = 0; t < n; t++) {
                add(h[t], matVec(block.wo(), attended[t], qWidth, width));
                double[] x = rmsNorm(h[t], block.ffnNorm(), config.rmsEpsilon());
                double[] gate = matVec(block.gate(), x, width, config.ffnWidth());
                double[] up = matVec(block.up(), x, width, config.ffnWidth());
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = silu(gate[i]) * up[i];
                }
                add(h[t], matVec(block.down(), gate, config.ffnWidth(), width));
            }
            hidden.add(copy(h));
        }
        double[][] output = new double[n][];
        for (int t = 0; t < n; t++) {
            output[t] = rmsNorm(h[t], outputNorm, config.rmsEpsilon());
        }
        return new Result(List.copyOf(hidden), output);
    }

    /** y = W x for a ggml [in, out] matrix: out rows of in values. */
    static double[] matVec(float[] w, double[] x, int in, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = 0;
            int row = o * in;
            for (int i = 0; i < in; i++) {
                sum += w[row + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    static double[] rmsNorm(double[] x, float[] weight, double epsilon) {
        double sumSquares = 0;
        for (double value : x) {
            sumSquares += value * value;
        }
        double scale = 1 / Math.sqrt(sumSquares / x.length + epsilon);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * weight[i];
        }
        return y;
    }

    /** llama.cpp's normal RoPE on every head of {@code x} (heads laid out one after another), in place. */
    static double[] rope(double[] x, int position, int headSize, double base) {
        for (int head = 0; head < x.length; head += headSize) {
            for (int i = 0; i < headSize; i += 2) {
                double theta = position * Math.pow(base, -(double) i / headSize);
                double cos = Math.cos(theta);
                double sin = Math.sin(theta);
                double x0 = x[head + i];
                double x1 = x[head + i + 1];
                x[head + i] = x0 * cos - x1 * sin;
                x[head + i + 1] = x0 * sin + x1 * cos;
            }
        }
        return x;
    }

    /** Causal grouped-query attention: for each token and query head, softmax(q.k / sqrt(d)) over earlier tokens. */
    static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int headSize) {
        int n = q.length;
        int group = heads / kvHeads;
        double scale = 1 / Math.sqrt(headSize);
        double[][] out = new double[n][heads * headSize];
        for (int t = 0; t < n; t++) {
            for (int head = 0; head < heads; head++) {
                int qBase = head * headSize;
                int kvBase = (head / group) * headSize;
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int i = 0; i < headSize; i++) {
                        dot += q[t][qBase + i] * k[s][kvBase + i];
                    }
                    scores[s] = dot * scale;
                    max = Math.max(max, scores[s]);
                }
                double total = 0;
                for (int s = 0; s <= t; s++) {
                    scores[s] = Math.exp(scores[s] - max);
                    total += scores[s];
                }
                for (int s = 0; s <= t; s++) {
                    double weight = scores[s] / total;
                    for (int i = 0; i < headSize; i++) {
                        out[t][qBase + i] += weight * v[s][kvBase + i];
                    }
                }
            }
        }
        return out;
    }

    static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    private static void add(double[] target, double[] delta) {
        for (int i = 0; i < target.length; i++) {
            target[i] += delta[i];
        }
    }

    private static double[][] copy(double[][] rows) {
        double[][] copy = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            copy[i] = rows[i].clone();
        }
        return copy;
    }
}
