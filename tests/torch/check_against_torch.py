#!/usr/bin/env python3
"""Recomputes in PyTorch (float64) what ink-torch-driver wrote (see torch_driver.cpp for the files'
layout) and compares: random graphs' values, gradients and Hessian-vector products; the example models'
losses and every parameter's gradient. Usage: check_against_torch.py DIR. Exits 1 on any difference."""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}
MAX_HEADER = 100_000_000


def read_safetensors(path):
    """A small reader of the format: u64 little-endian header size, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header size")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER or 8 + n > len(data):
        raise ValueError(f"{path}: header size {n} does not fit the file of {len(data)} bytes")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= begin <= end <= len(body)) or end - begin != count * np.dtype(dtype).itemsize:
            raise ValueError(f"{path}: tensor {name}: data_offsets {begin}, {end} do not match shape {shape}")
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors, header.get("__metadata__", {})


class Checker:
    def __init__(self):
        self.compared = 0
        self.failures = []
        self.worst = {}

    def close(self, group, what, ink, ref, rtol, atol):
        """|ink - ref| <= atol * max(1, max|ref|) + rtol * |ref|, element by element."""
        ink = np.asarray(ink, dtype=np.float64)
        ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref, dtype=np.float64)
        self.compared += 1
        if ink.shape != ref.shape:
            self.failures.append(f"{what}: shape {ink.shape} in ink, {ref.shape} in torch")
            return
        scale = max(1.0, float(np.abs(ref).max(initial=0.0)))
        err = np.abs(ink - ref)
        self.worst[group] = max(self.worst.get(group, 0.0), float((err / scale).max(initial=0.0)))
        bad = err > atol * scale + rtol * np.abs(ref)
        if bad.any():
            i = np.unravel_index(np.argmax(err), err.shape)
            self.failures.append(f"{what}: element {i}: ink {ink[i]!r}, torch {ref[i]!r}")


# ---- random graphs: the opcodes of torch_driver.cpp's enum Op, in order -----------------------------
TARGETS = torch.tensor([0, 3, -100, 2])
CLASSES = torch.tensor([1, 0, 3, 2])
IDS = torch.tensor([3, 0, 0, 2])


def conv1d_same(x, w):
    """ink's conv1d on NLC x (B, L, Cin), w (K, Cin, Cout), stride 1, 'same' as Keras (odd pad right)."""
    total = w.shape[0] - 1
    y = F.conv1d(F.pad(x.permute(0, 2, 1), (total // 2, total - total // 2)), w.permute(2, 1, 0))
    return y.permute(0, 2, 1)


OPS = [
    lambda a, b, c: a + b,
    lambda a, b, c: a - b,
    lambda a, b, c: a * b,
    lambda a, b, c: a / (b * b + 1),
    lambda a, b, c: torch.tanh(a),
    lambda a, b, c: torch.sigmoid(a),
    lambda a, b, c: torch.relu(a),
    lambda a, b, c: F.leaky_relu(a, 0.1),
    lambda a, b, c: F.softplus(a),
    lambda a, b, c: torch.exp(torch.tanh(a)),
    lambda a, b, c: torch.log(torch.sigmoid(a)),
    lambda a, b, c: a * a,
    lambda a, b, c: (a @ b) * 0.5,
    lambda a, b, c: a.t(),
    lambda a, b, c: torch.softmax(a, -1),
    lambda a, b, c: torch.log_softmax(a, -1),
    lambda a, b, c: a * b.sum(1, keepdim=True),
    lambda a, b, c: a.mean(0, keepdim=True) + b,
    lambda a, b, c: a * torch.sigmoid(b),  # glu(concat(a, b))
    lambda a, b, c: F.pad(a[:, 1:3], (1, 1)),
    lambda a, b, c: torch.sqrt(a * a + 1),
    lambda a, b, c: (a * a + 1) ** 0.75,
    lambda a, b, c: a * F.cross_entropy(b, TARGETS, reduction="none", label_smoothing=0.1).reshape(4, 1),
    lambda a, b, c: F.binary_cross_entropy_with_logits(a, torch.full((4, 4), 0.3), reduction="none"),
    lambda a, b, c: a * F.cross_entropy(b @ c, CLASSES, reduction="none").reshape(4, 1),
    lambda a, b, c: a * 1.7,
    lambda a, b, c: -a,
    lambda a, b, c: a + 0.3,
    lambda a, b, c: a.reshape(2, 8).t().reshape(4, 4),
    lambda a, b, c: conv1d_same(a.reshape(1, 4, 4), torch.cat([b, c], 0).reshape(2, 4, 4)).reshape(4, 4),
    lambda a, b, c: a[IDS] + b,
    lambda a, b, c: a @ b + c.sum(0),
]


def grads_or_zeros(out, inputs, **kw):
    gs = torch.autograd.grad(out, inputs, allow_unused=True, **kw) if out.requires_grad else [None] * len(inputs)
    return [torch.zeros_like(x) if g is None else g for g, x in zip(gs, inputs)]


def check_graphs(t, meta, check):
    used = set()
    for k in range(int(meta["graphs"])):
        p = f"g{k}."
        xs = [torch.tensor(t[p + f"x{i}"], requires_grad=True) for i in range(3)]
        regs = list(xs)
        for op, a, b, c in t[p + "program"].tolist():
            used.add(op)
            regs.append(OPS[op](regs[a], regs[b], regs[c]))
        f = (regs[-1] * torch.tensor(t[p + "u"])).sum()
        g = grads_or_zeros(f, xs, create_graph=True)
        inner = sum((gi * torch.tensor(t[p + f"v{i}"])).sum() for i, gi in enumerate(g))
        h = grads_or_zeros(inner, xs)
        what = f"graph {k} (ops {t[p + 'program'][:, 0].tolist()})"
        check.close("graphs", f"{what} f", t[p + "f"], f, 1e-9, 1e-11)
        for i in range(3):
            check.close("graphs", f"{what} gradient {i}", t[p + f"g{i}"], g[i], 1e-9, 1e-11)
            check.close("graphs", f"{what} Hessian-vector product {i}", t[p + f"h{i}"], h[i], 1e-8, 1e-10)
    missing = set(range(len(OPS))) - used
    if missing:
        check.failures.append(f"graphs: opcodes {sorted(missing)} never used")


# ---- the example models ----------------------------------------------------------------------------
def params_of(t, prefix):
    n = len(prefix)
    return {k[n:]: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in t.items() if k.startswith(prefix)}


def dense(p, name, x):
    return x @ p[name + ".weight"] + p[name + ".bias"]


def gaussian_kl(mu, logvar):
    return -0.5 * (1 + logvar - mu * mu - torch.exp(logvar)).sum(-1)


def compare_case(check, group, t, case, loss, params, rtol, atol):
    check.close(group, f"{case} loss", t[case + ".loss"], loss, rtol, atol)
    names = [k[len(case) + 6:] for k in t if k.startswith(case + ".grad.")]
    if not names:
        check.failures.append(f"{case}: no gradients in the file")
    grads = grads_or_zeros(loss, [params[n] for n in names], retain_graph=True)
    for n, g in zip(names, grads):
        check.close(group, f"{case} d loss / d {n}", t[f"{case}.grad.{n}"], g, rtol, atol)


def check_mnist_vae(t, check):
    for kind in ("vae", "cvae"):
        p = params_of(t, kind + ".param.")
        x = torch.tensor(t[f"input.{kind}.x"], dtype=torch.float64)
        onehot = torch.tensor(t[f"input.{kind}.onehot"], dtype=torch.float64)
        eps = torch.tensor(t[f"input.{kind}.eps"], dtype=torch.float64)
        h = torch.relu(dense(p, "encoder_hidden", x))
        mu, logvar = dense(p, "encoder_mu", h), dense(p, "encoder_logvar", h)
        z = mu + torch.exp(logvar * 0.5) * eps
        logits = dense(p, "decoder_out", torch.relu(dense(p, "decoder_hidden", z)))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        centred = mu - dense(p, "class_mean", onehot) if kind == "cvae" else mu
        loss = rec + gaussian_kl(centred, logvar).mean()
        compare_case(check, "mnist_vae (float)", t, kind, loss, p, 2e-4, 2e-5)


def gcnn(x, w):
    """GatedConv1d: conv1d 'same' (K, C, 2C), then a * sigmoid(b), plus the input."""
    h = conv1d_same(x, w)
    c = x.shape[-1]
    return h[..., :c] * torch.sigmoid(h[..., c:]) + x


def check_poem_vae(t, check):
    p = params_of(t, "param.")
    ids = torch.tensor(t["input.ids"], dtype=torch.int64)
    eps = torch.tensor(t["input.eps"])
    B, L = ids.shape
    e = p["embedding.weight"][ids]
    pooled = gcnn(gcnn(e, p["encoder1.conv.weight"]), p["encoder2.conv.weight"]).mean(1)
    mu, logvar = dense(p, "mu", pooled), dense(p, "logvar", pooled)
    z = mu + torch.exp(logvar * 0.5) * eps
    hidden = gcnn(dense(p, "expand", z).reshape(B, L, -1), p["decoder.conv.weight"])
    logits = dense(p, "output", hidden)
    rec = F.cross_entropy(logits.reshape(B * L, -1), ids.reshape(-1), reduction="sum") / B
    loss = rec + gaussian_kl(mu, logvar).sum() / B
    compare_case(check, "poem_vae", t, "poem", loss, p, 1e-9, 1e-11)


def mlp(p, x, sigmoid_out):
    y = dense(p, "dense3", torch.relu(dense(p, "dense2", torch.relu(dense(p, "dense1", x)))))
    return torch.sigmoid(y) if sigmoid_out else y


def check_gan(t, check):
    critic_p, generator_p = params_of(t, "critic.param."), params_of(t, "generator.param.")
    real, z, eps = (torch.tensor(t["input." + n]) for n in ("real", "z", "eps"))
    critic = lambda x: mlp(critic_p, x, False)
    fake = mlp(generator_p, z, True).detach()
    x_hat = (fake + eps.reshape(-1, 1) * (real - fake)).requires_grad_(True)
    g = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)[0]
    excess = torch.sqrt((g * g).reshape(g.shape[0], -1).sum(1) + 1e-12) - 1
    active = int((excess > 0).sum())
    if not 0 < active < len(excess):
        check.failures.append(f"gan: {active} of {len(excess)} input-gradient norms exceed 1: the one-sided "
                              "penalty's test needs both sides")
    print(f"  gan: {active} of {len(excess)} input-gradient norms exceed 1 (the one-sided penalty's active samples)")
    wgan = critic(real).mean() - critic(fake).mean()
    compare_case(check, "gan", t, "critic_wgan_one_sided", wgan + 10 * torch.relu(excess).mean(), critic_p, 1e-9, 1e-11)
    compare_case(check, "gan", t, "critic_wgan_two_sided", wgan + 10 * (excess * excess).mean(), critic_p, 1e-9, 1e-11)
    compare_case(check, "gan", t, "critic_gan", F.softplus(-critic(real)).mean() + F.softplus(critic(fake)).mean(),
                 critic_p, 1e-9, 1e-11)
    d_fake = critic(mlp(generator_p, z, True))
    compare_case(check, "gan", t, "generator_wgan", d_fake.mean(), generator_p, 1e-9, 1e-11)
    compare_case(check, "gan", t, "generator_gan", F.softplus(-d_fake).mean(), generator_p, 1e-9, 1e-11)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_against_torch.py DIR (the output directory of ink-torch-driver)")
    d = sys.argv[1]
    check = Checker()
    graphs, meta = read_safetensors(f"{d}/graphs.safetensors")
    check_graphs(graphs, meta, check)
    check_mnist_vae(read_safetensors(f"{d}/mnist_vae.safetensors")[0], check)
    check_poem_vae(read_safetensors(f"{d}/poem_vae.safetensors")[0], check)
    check_gan(read_safetensors(f"{d}/gan.safetensors")[0], check)
    print(f"torch {torch.__version__}: {check.compared} tensors compared with ink, {len(check.failures)} differ")
    for group, worst in check.worst.items():
        print(f"  {group}: largest error {worst:.2e} (relative to max(1, max |torch|))")
    for f in check.failures[:20]:
        print("DIFFERS:", f)
    sys.exit(1 if check.failures else 0)


if __name__ == "__main__":
    main()
