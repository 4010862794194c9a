#!/usr/bin/python3
"""Reference values for tests/nn/test_rnn.cpp and tests/nn/test_attention.cpp.

Run with the system Python (Debian's torch 1.13 and numpy):

    /usr/bin/python3 tests/data/make_rnn_fixtures.py

For each case it builds the PyTorch module in float64, runs it on a small
random input and writes, under tests/data/nn/rnn/<case>/:

    <param name>.npy        the module's parameters, by state_dict name
                            ("weight_ih_l0", "self_attn.in_proj_weight", ...)
    x.npy, h0.npy, ...      the inputs
    output.npy, h_n.npy...  the outputs
    w_<output>.npy          fixed random weights of the loss
    grad.<name>.npy         d loss / d input or parameter

The loss is a weighted sum of the outputs, sum(output * w_output) (+ the
same for h_n, c_n or the attention weights): like a plain sum, but every
output element gets its own gradient, so a mix-up of positions shows.

Parameters are PyTorch's own initial values, except that biases PyTorch
starts at zero (attention projections) and LayerNorm's unit weights and
zero biases get a little noise: otherwise a bias added in the wrong place
would go unnoticed.
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn", "rnn")
SEQ, BATCH = 5, 3


def save(case, name, t):
    d = os.path.join(OUT, case)
    os.makedirs(d, exist_ok=True)
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else t
    np.save(os.path.join(d, name + ".npy"), a)


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def finish(case, module, inputs, outputs):
    """Saves parameters, inputs, outputs, loss weights and gradients."""
    for name, p in module.state_dict().items():
        save(case, name, p)
    for name, t in inputs.items():
        save(case, name, t)
    loss = 0
    for name, t in outputs.items():
        w = randn(*t.shape)
        save(case, name, t)
        save(case, "w_" + name, w)
        loss = loss + (t * w).sum()
    loss.backward()
    for name, t in inputs.items():
        if t.dtype == torch.float64 and t.requires_grad:
            save(case, "grad." + name, t.grad)
    for name, p in module.named_parameters():
        save(case, "grad." + name, p.grad)


def leaf(*shape):
    return randn(*shape).requires_grad_()


# ---- recurrent layers --------------------------------------------------------------

def rnn_case(case, module, x, h0=None, c0=None):
    module = module.double()
    inputs = {"x": x}
    if h0 is not None:
        inputs["h0"] = h0
    if c0 is not None:
        inputs["c0"] = c0
    if isinstance(module, nn.LSTM):
        state = None if h0 is None else (h0, c0)
        output, (h_n, c_n) = module(x, state)
        outputs = {"output": output, "h_n": h_n, "c_n": c_n}
    else:
        output, h_n = module(x, h0)
        outputs = {"output": output, "h_n": h_n}
    finish(case, module, inputs, outputs)


def make_rnn():
    torch.manual_seed(0)
    rnn_case("rnn_tanh", nn.RNN(4, 5, num_layers=2), leaf(SEQ, BATCH, 4), leaf(2, BATCH, 5))
    rnn_case("rnn_relu_bidir_bf",
             nn.RNN(4, 5, num_layers=2, nonlinearity="relu", batch_first=True, bidirectional=True),
             leaf(BATCH, SEQ, 4))
    rnn_case("lstm", nn.LSTM(4, 6, num_layers=2), leaf(SEQ, BATCH, 4), leaf(2, BATCH, 6), leaf(2, BATCH, 6))
    rnn_case("lstm_bidir_bf", nn.LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True),
             leaf(BATCH, SEQ, 4), leaf(4, BATCH, 6), leaf(4, BATCH, 6))
    rnn_case("lstm_nobias_unbatched", nn.LSTM(4, 6, bias=False), leaf(SEQ, 4))
    rnn_case("gru", nn.GRU(4, 5, num_layers=2), leaf(SEQ, BATCH, 4), leaf(2, BATCH, 5))
    rnn_case("gru_bidir_bf", nn.GRU(4, 5, num_layers=2, batch_first=True, bidirectional=True),
             leaf(BATCH, SEQ, 4), leaf(4, BATCH, 5))


# ---- embedding -----------------------------------------------------------------------

def make_embedding():
    torch.manual_seed(1)
    emb = nn.Embedding(10, 4, padding_idx=0).double()
    idx = torch.tensor([[1, 0, 3, 9, 3], [0, 0, 2, 5, 7], [4, 8, 6, 1, 0]], dtype=torch.int64)
    finish("embedding_padding", emb, {"indices": idx}, {"output": emb(idx)})


# ---- attention -------------------------------------------------------------------------

def perturb_(module):
    """Noise on the parameters PyTorch starts at exactly 0 or 1."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias") or name.startswith("norm"):
                p.add_(0.1 * randn(*p.shape))


def make_attention():
    torch.manual_seed(2)
    E, HEADS = 8, 2
    causal = torch.triu(torch.ones(SEQ, SEQ, dtype=torch.bool), diagonal=1)  # True = blocked
    # Padding at the end of two of the sequences (key 0 stays visible, so
    # no causal row is fully blocked).
    padding = torch.zeros(BATCH, SEQ, dtype=torch.bool)
    padding[0, 3:] = True
    padding[2, 4] = True

    # Self-attention, sequence first, key padding + causal mask, averaged weights.
    mha = nn.MultiheadAttention(E, HEADS).double()
    perturb_(mha)
    x = leaf(SEQ, BATCH, E)
    out, weights = mha(x, x, x, key_padding_mask=padding, attn_mask=causal)
    finish("mha_self_causal", mha, {"x": x, "key_padding_mask": padding, "attn_mask": causal},
           {"output": out, "weights": weights})

    # Cross-attention, batch first, float attn_mask, weights per head.
    mha = nn.MultiheadAttention(E, 4, batch_first=True).double()
    perturb_(mha)
    q, k, v = leaf(BATCH, 4, E), leaf(BATCH, 6, E), leaf(BATCH, 6, E)
    mask = 0.5 * randn(4, 6)
    out, weights = mha(q, k, v, attn_mask=mask, average_attn_weights=False)
    finish("mha_cross_bf", mha, {"query": q, "key": k, "value": v, "attn_mask": mask},
           {"output": out, "weights": weights})

    # TransformerEncoderLayer in eval mode (dropout off), post-norm and pre-norm.
    for case, kwargs in [("encoder_post_relu", dict(norm_first=False, activation="relu")),
                         ("encoder_pre_gelu_bf", dict(norm_first=True, activation="gelu", batch_first=True))]:
        layer = nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16, dropout=0.1, **kwargs).double()
        perturb_(layer)
        layer.eval()
        bf = kwargs.get("batch_first", False)
        src = leaf(BATCH, SEQ, E) if bf else leaf(SEQ, BATCH, E)
        out = layer(src, src_mask=causal, src_key_padding_mask=padding)
        finish(case, layer, {"src": src, "src_mask": causal, "src_key_padding_mask": padding}, {"output": out})


if __name__ == "__main__":
    make_rnn()
    make_embedding()
    make_attention()
    n = sum(len(f) for _, _, f in os.walk(OUT))
    print(f"wrote {n} files under {OUT}")
