// Loads a GGUF model in llama.cpp, tokenizes a text, decodes it in one batch and checks the logits are finite.
// Build: gcc llama_smoke.c -I$NATIVE/include -L$NATIVE/lib -lllama -lggml -lggml-base -Wl,-rpath,$NATIVE/lib -lm
// Usage: llama_smoke LIBDIR MODEL.gguf TEXT     (prints "OK <tokens> <logit0>" and exits 0 on success)
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ggml-backend.h"
#include "llama.h"

int main(int argc, char ** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s LIBDIR MODEL.gguf TEXT\n", argv[0]);
        return 2;
    }
    ggml_backend_load_all_from_path(argv[1]);
    llama_backend_init();

    struct llama_model_params model_params = llama_model_default_params();
    struct llama_model * model = llama_model_load_from_file(argv[2], model_params);
    if (model == NULL) { fprintf(stderr, "FAIL: model did not load\n"); return 1; }

    struct llama_context_params ctx_params = llama_context_default_params();
    ctx_params.n_ctx = 64;
    ctx_params.n_batch = 64;
    struct llama_context * ctx = llama_init_from_model(model, ctx_params);
    if (ctx == NULL) { fprintf(stderr, "FAIL: no context\n"); return 1; }

    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    llama_token tokens[64];
    int n = llama_tokenize(vocab, argv[3], (int) strlen(argv[3]), tokens, 64, true, false);
    if (n <= 0) { fprintf(stderr, "FAIL: tokenize returned %d\n", n); return 1; }

    if (llama_decode(ctx, llama_batch_get_one(tokens, n)) != 0) { fprintf(stderr, "FAIL: decode\n"); return 1; }
    const float * logits = llama_get_logits_ith(ctx, -1);
    int n_vocab = llama_vocab_n_tokens(vocab);
    for (int i = 0; i < n_vocab; i++) {
        if (!isfinite(logits[i])) { fprintf(stderr, "FAIL: logit %d is %f\n", i, logits[i]); return 1; }
    }
    printf("OK %d tokens, vocab %d, logit[0] %f\n", n, n_vocab, logits[0]);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
