#!/usr/bin/env python3
"""Trains the guide's model (package llmguide's contract) on a dataset exported by
`asyncdrive guide-dataset`, exports it to ONNX (opset 14), and writes the reference outputs the Go parity
test compares ONNX Runtime against, and the model card's figures (card.json).

usage: /usr/bin/python3 train_guide.py DATASET_DIR OUT_DIR [--epochs N] [--seed S]
(Debian's python3-torch and python3-onnx; make model installs them.)

A small transformer over scene tokens and instruction words: each scene token (16 numbers) and each word
(an embedding) becomes a 32-d token, with a learned [CLS] token, a kind embedding (cls / scene / word) and
positions for the words; 2 encoder layers (4 heads, 64 feed-forward); from the [CLS] output come the
64-d instruction feature (tanh) and the heads (sized for Debian's CPU-only torch 1.13, which trains it in
minutes on two cores): lane-change intent (3 logits), target speed (m/s), the stop-or-yield logit, the
movement at the next junction (3 logits: left, straight, right; the contract's optional turn_logits),
whether the instruction asks to drive slowly (a logit; the contract's optional slow_logit), whether it
asks to stop at the pickup zone (a logit; the contract's optional pullover_logit) and the time gap (s) the
driver keeps to the vehicle ahead (the contract's optional headway).
Losses: class-weighted cross-entropy (lane and turn), Huber on speed / 10, binary cross-entropy (stop, slow
and pull-over), Huber on the headway over the samples that have one (the expert follows a road user), each source's
samples weighing as much as any other's. After training, the lane logits are shifted by -log(class weight) so that the lane
probabilities follow the data's odds rather than the balanced ones.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

SCENE_TOKENS, TOKEN_DIM, MAX_WORDS, FEATURE_DIM, D, LAYERS = 48, 16, 16, 64, 32, 2
LABELS = ["lane", "speed", "stop", "turn", "slow", "pullover", "headway"]
OUTPUTS = ["features", "lane_logits", "target_speed", "stop_logit", "turn_logits", "slow_logit", "pullover_logit",
           "headway"]
HEADWAY0 = 1.5  # s: the headway head's output is HEADWAY0 + a linear layer (the planner's own headway)
HEADWAY_WEIGHT = 1.0  # of the headway's loss against the other heads' (1)


class Guide(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.scene_in = nn.Linear(TOKEN_DIM, D)
        self.word_emb = nn.Embedding(vocab, D, padding_idx=0)
        self.word_pos = nn.Parameter(torch.zeros(MAX_WORDS, D))
        self.kind = nn.Parameter(torch.zeros(3, D))  # cls, scene, word
        self.cls = nn.Parameter(torch.zeros(1, 1, D))
        layer = nn.TransformerEncoderLayer(D, 4, 2 * D, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.feature = nn.Linear(D, FEATURE_DIM)
        self.lane = nn.Linear(FEATURE_DIM, 3)
        self.speed = nn.Linear(FEATURE_DIM, 1)
        self.stop = nn.Linear(FEATURE_DIM, 1)
        self.turn = nn.Linear(FEATURE_DIM, 3)
        self.slow = nn.Linear(FEATURE_DIM, 1)
        self.pullover = nn.Linear(FEATURE_DIM, 1)
        self.headway = nn.Linear(FEATURE_DIM, 1)
        nn.init.normal_(self.word_pos, std=0.02)
        nn.init.normal_(self.kind, std=0.02)
        nn.init.normal_(self.cls, std=0.02)

    def forward(self, scene, words):
        b = scene.shape[0]
        s = self.scene_in(scene) + self.kind[1]
        w = self.word_emb(words) + self.word_pos + self.kind[2]
        c = self.cls.expand(b, 1, D) + self.kind[0]
        x = torch.cat([c, s, w], dim=1)
        # Padding: scene tokens that are all zero, and word id 0, as an additive attention bias (-1e4 for
        # padded keys; the [CLS] token is never padded, so no row is all masked).
        scene_pad = (scene.abs().sum(-1) == 0).float()
        word_pad = (words == 0).float()
        pad = torch.cat([torch.zeros(b, 1), scene_pad, word_pad], dim=1)
        bias = (pad * -1e4).unsqueeze(1).repeat(1, x.shape[1], 1)
        bias = bias.repeat_interleave(4, dim=0)  # one per head
        x = self.encoder(x, mask=bias)
        f = torch.tanh(self.feature(x[:, 0]))
        return (f, self.lane(f), 10 * self.speed(f), self.stop(f), self.turn(f), self.slow(f), self.pullover(f),
                HEADWAY0 + self.headway(f))


def load(ds):
    meta = json.load(open(os.path.join(ds, "meta.json")))
    n = meta["samples"]
    scene = np.fromfile(os.path.join(ds, "scene.f32"), dtype="<f4").reshape(n, SCENE_TOKENS, TOKEN_DIM)
    words = np.fromfile(os.path.join(ds, "words.i64"), dtype="<i8").reshape(n, MAX_WORDS)
    cols = meta.get("labels", ["lane", "speed", "stop"])
    if cols != LABELS:
        raise SystemExit(f"{ds}: label columns {cols}, want {', '.join(LABELS)} (export it again with asyncdrive guide-dataset)")
    labels = np.fromfile(os.path.join(ds, "labels.f32"), dtype="<f4").reshape(n, len(cols))
    return meta, scene, words, labels


def class_weights(y, idx):
    """Inverse-frequency class weights over the training samples idx, at most 20."""
    counts = torch.bincount(y[idx], minlength=3).float().clamp(min=1)
    return (counts.sum() / (3 * counts)).clamp(max=20)


def binary_metrics(logit, y):
    """Accuracy, recall on the positives and the rate of positive calls among the negatives of a logit head."""
    pred = (logit > 0).float()
    pos, neg = y == 1, y == 0
    return ((pred == y).float().mean().item(),
            {"n": int(pos.sum()), "recall": float(pred[pos].mean()) if pos.any() else None},
            {"n": int(neg.sum()), "rate": float(pred[neg].mean()) if neg.any() else None})


def recall(pred, y, names):
    per = {}
    for c, name in enumerate(names):
        m = y == c
        per[name] = {"n": int(m.sum()), "recall": float((pred[m] == c).float().mean()) if m.any() else None}
    return per


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    np.random.seed(a.seed)
    meta, scene, words, labels = load(a.dataset)
    n = len(scene)
    perm = np.random.permutation(n)
    nval = max(1, n // 10)
    val, tr = perm[:nval], perm[nval:]
    S, W, L = torch.tensor(scene), torch.tensor(words), torch.tensor(labels)
    lane, speed, stop, turn, slow, pull, headway = L[:, 0].long(), L[:, 1], L[:, 2], L[:, 3].long(), L[:, 4], L[:, 5], L[:, 6]
    follows = ~torch.isnan(headway)
    headway = torch.nan_to_num(headway, nan=HEADWAY0)
    # Each source's labelled samples weigh as much in the headway's loss as any other's: the generated
    # drivers' 2 s gaps (2099 samples) would otherwise drown highD's 1.2 s (740).
    src_idx = torch.tensor(meta.get("sample_sources", [0] * n))
    hw_weight = torch.zeros(n)
    for k in range(len(meta.get("source_names", [""]))):
        m = follows & (src_idx == k)
        if m.any():
            hw_weight[m] = follows[torch.tensor(tr)].sum().float() / (m[torch.tensor(tr)].sum().clamp(min=1) * len(set(src_idx[follows].tolist())))
    model = Guide(meta["vocabulary_size"])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    lane_w = class_weights(lane, tr)
    ce = nn.CrossEntropyLoss(weight=lane_w)
    ce_turn = nn.CrossEntropyLoss(weight=class_weights(turn, tr))
    bce = nn.BCEWithLogitsLoss()
    start = time.time()
    for ep in range(a.epochs):
        model.train()
        order = torch.tensor(np.random.permutation(tr))
        tot = 0.0
        for i in range(0, len(order), 256):
            idx = order[i:i + 256]
            _, lo, sp, st, tu, sl, po, hw = model(S[idx], W[idx])
            loss = (ce(lo, lane[idx]) + nn.functional.huber_loss(sp[:, 0] / 10, speed[idx] / 10) + bce(st[:, 0], stop[idx])
                    + ce_turn(tu, turn[idx]) + bce(sl[:, 0], slow[idx]) + bce(po[:, 0], pull[idx]))
            m = follows[idx]
            if m.any():
                hl = nn.functional.huber_loss(hw[m, 0], headway[idx][m], delta=0.5, reduction="none")
                w = hw_weight[idx][m]
                loss = loss + HEADWAY_WEIGHT * (hl * w).sum() / w.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        print(f"epoch {ep + 1}: loss {tot / len(tr):.4f}", flush=True)
    model.eval()
    # Class weights train the lane head on balanced odds: it calls a lane change far more often than the
    # data has one (a change in 2.6% of samples). Subtracting log(weight) from each class's logit restores
    # the data's odds, so that its probabilities can be read as probabilities (the planner opens a
    # neighbouring lane only when a change is at least as likely as keeping the lane).
    with torch.no_grad():
        model.lane.bias -= torch.log(lane_w)
    with torch.no_grad():
        v = torch.tensor(val)
        _, lo, sp, st, tu, sl, po, hw = model(S[v], W[v])
        pred = lo.argmax(1)
        acc = (pred == lane[v]).float().mean().item()
        per = recall(pred, lane[v], ["left", "keep", "right"])
        tpred = tu.argmax(1)
        turn_acc = (tpred == turn[v]).float().mean().item()
        turn_per = recall(tpred, turn[v], ["left", "straight", "right"])
        # Samples whose instruction names a movement ("turn left in 40 meters", "go straight") and the rest.
        ids = [2 + k for k, w in enumerate(meta["vocabulary"]) if w in ("turn", "straight")]
        named = torch.zeros(len(v), dtype=torch.bool)
        for i in ids:
            named |= (W[v] == i).any(1)
        ok = tpred == turn[v]
        turn_named = {"n": int(named.sum()), "accuracy": float(ok[named].float().mean()) if named.any() else None}
        turn_unnamed = {"n": int((~named).sum()), "accuracy": float(ok[~named].float().mean()) if (~named).any() else None}
        mae = (sp[:, 0] - speed[v]).abs().mean().item()
        stop_acc = ((st[:, 0] > 0).float() == stop[v]).float().mean().item()
        # Samples that do not ask to drive slowly but are called slow would cap the planner; those not asking
        # to stop at the pickup zone but called so would pull over.
        slow_acc, slow_recall, slow_false = binary_metrics(sl[:, 0], slow[v])
        pull_acc, pull_recall, pull_false = binary_metrics(po[:, 0], pull[v])
        # The headway head on the validation samples that have a label, per source.
        fv = follows[v]
        hw_err = (hw[:, 0] - headway[v]).abs()
        hw_mae = float(hw_err[fv].mean()) if fv.any() else None
        names = meta.get("source_names", [])
        src_of = np.array([names[k] for k in meta.get("sample_sources", [])])
        hw_by_source = {}
        if len(src_of) == n:
            for name in sorted(set(src_of[val])):
                m = torch.tensor(src_of[val] == name) & fv
                if m.any():
                    hw_by_source[name] = {"n": int(m.sum()), "mae": float(hw_err[m].mean()),
                                          "label_median": float(headway[v][m].median()), "output_median": float(hw[m, 0].median())}
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "guide.onnx")
    torch.onnx.export(model, (S[:1], W[:1]), onnx_path, opset_version=14,
                      input_names=["scene", "words"],
                      output_names=OUTPUTS)
    # Reference outputs on fixed inputs (the first 4 validation samples, the first validation samples labelled
    # left and right, so that the turn head is compared away from "straight", and the first labelled slow and
    # pull-over) for the Go parity test.
    cases = list(val[:4])
    for c in (0, 2):
        hit = [i for i in val if turn[i] == c]
        if hit and hit[0] not in cases:
            cases.append(hit[0])
    for col in (slow, pull):
        hit = [i for i in val if col[i] == 1]
        if hit and hit[0] not in cases:
            cases.append(hit[0])
    hit = [i for i in val if follows[i]]
    if hit and hit[0] not in cases:
        cases.append(hit[0])
    ref = []
    with torch.no_grad():
        for i in cases:
            f, lo, sp, st, tu, sl, po, hw = model(S[i:i + 1], W[i:i + 1])
            ref.append({"scene": scene[i].reshape(-1).tolist(), "words": words[i].tolist(),
                        "features": f[0].tolist(), "lane_logits": lo[0].tolist(),
                        "target_speed": float(sp[0, 0]), "stop_logit": float(st[0, 0]), "turn_logits": tu[0].tolist(),
                        "slow_logit": float(sl[0, 0]), "pullover_logit": float(po[0, 0]), "headway": float(hw[0, 0])})
    json.dump(ref, open(os.path.join(a.out, "reference.json"), "w"))
    params = sum(p.numel() for p in model.parameters())
    stop_id = 2 + meta["vocabulary"].index("stop")
    stop_commands = int(((words[:, 0] == stop_id) & (words[:, 1] == 0)).sum())
    card = {
        "samples": n, "train": len(tr), "validation_samples": nval, "sources": meta["sources"],
        "lane_counts": meta["lane_counts"], "turn_counts": meta["turn_counts"],
        "turn_counts_by_source": meta["turn_counts_by_source"], "slows": meta["slows"],
        "slows_by_source": meta["slows_by_source"], "pullovers": meta["pullovers"],
        "pullovers_by_source": meta["pullovers_by_source"], "headways": meta["headways"],
        "headways_by_source": meta["headways_by_source"], "headway_median_by_source": meta["headway_median_by_source"],
        "stop_commands": stop_commands,
        "epochs": a.epochs, "seed": a.seed, "parameters": params,
        "onnx_bytes": os.path.getsize(onnx_path), "train_seconds": round(time.time() - start, 1),
        "reference_cases": len(ref),
        "validation": {"lane_accuracy": acc, "lane_recall": per, "speed_mae_mps": mae, "stop_accuracy": stop_acc,
                       "turn_accuracy": turn_acc, "turn_recall": turn_per,
                       "turn_instruction_names_movement": turn_named, "turn_instruction_names_none": turn_unnamed,
                       "slow_accuracy": slow_acc, "slow_recall": slow_recall, "slow_false_positive": slow_false,
                       "pullover_accuracy": pull_acc, "pullover_recall": pull_recall, "pullover_false_positive": pull_false,
                       "headway_mae_s": hw_mae, "headway_by_source": hw_by_source},
        "torch": torch.__version__, "vocabulary_version": meta["vocabulary_version"],
    }
    json.dump(card, open(os.path.join(a.out, "card.json"), "w"), indent=2)
    write_card(os.path.join(a.out, "README.md"), card, a)
    print(json.dumps(card["validation"], indent=2))


def write_card(path, c, a):
    v = c["validation"]
    rec, trec = v["lane_recall"], v["turn_recall"]
    fmt = lambda x: "n/a" if x is None else f"{100 * x:.1f}%"
    src = ", ".join(f"{k} {n}" for k, n in sorted(c["sources"].items()))
    tsrc = "; ".join(f"{k} {n}" for k, n in sorted(c["turn_counts_by_source"].items()))
    lanes = c["lane_counts"]
    lane_share = (lanes[0] + lanes[2]) / max(1, sum(lanes))
    named, unnamed = v["turn_instruction_names_movement"], v["turn_instruction_names_none"]
    srec, sfalse = v["slow_recall"], v["slow_false_positive"]
    ssrc = "; ".join(f"{k} {n}" for k, n in sorted(c["slows_by_source"].items()))
    prec, pfalse = v["pullover_recall"], v["pullover_false_positive"]
    psrc = "; ".join(f"{k} {n}" for k, n in sorted(c["pullovers_by_source"].items()))
    hsrc = "; ".join(f"{k} {n}" for k, n in sorted(c["headways_by_source"].items()))
    hmed = "; ".join(f"{k} {x:.2f} s" for k, x in sorted(c["headway_median_by_source"].items()))
    hmae = "n/a" if v["headway_mae_s"] is None else f"{v['headway_mae_s']:.2f} s"
    hval = "; ".join(f"{k}: {h['n']} samples, error {h['mae']:.2f} s, median label {h['label_median']:.2f} s and output {h['output_median']:.2f} s"
                     for k, h in sorted(v["headway_by_source"].items()))
    with open(path, "w") as f:
        f.write(f"""# The guide's model (model card)

`guide.onnx` meets package llmguide's contract (inputs `scene` [1, 48, 16] float32 and `words` [1, 16]
int64; outputs `features` [1, 64], `lane_logits` [1, 3], `target_speed` [1, 1], `stop_logit` [1, 1] and the
optional `turn_logits` [1, 3], `slow_logit` [1, 1], `pullover_logit` [1, 1] and `headway` [1, 1]). It is embedded
in the binary and used by `--guide builtin`.

- Architecture: a transformer over the 48 scene tokens and 16 instruction words with a [CLS] token:
  d = {D}, {LAYERS} encoder layers, 4 heads; heads from a 64-d tanh instruction feature. {c["parameters"]}
  parameters, {c["onnx_bytes"] / 1024:.0f} KiB of ONNX (opset 14).
- Data: {c["samples"]} samples ({src}), exported by `asyncdrive guide-dataset` with make model's settings:
  the builtin suite (every 5th frame), 40 generated instruction scenarios per type of the training seed 1001
  (every 5th frame; the evaluation suites use seed 1) and every 3rd CommonRoad file with a recorded human
  expert (every 10th frame). Labels come from the expert's next 3 s: lane change left / keep / right ({lanes}), the speed
  after 3 s, and whether it stops; and the turn: the movement of the next junction connector on the expert's
  route within 50 m of its front bumper, else straight (left / straight / right {c["turn_counts"]}; {tsrc});
  slow: whether the instruction is the operator command "drive slowly" ({c["slows"]} samples; {ssrc}); and
  pull-over: whether it is "stop at the pickup zone" ({c["pullovers"]} samples; {psrc}); and headway: the
  IDM headway that keeps the expert's gap to the road user ahead in its lane, (gap - 1 m) / speed, the
  median over the next 3 s, where it follows one (at 5 m/s or more, within 3 s and 2 m/s of it, at least
  half the time; {c["headways"]} samples: {hsrc}; median label {hmed}).
  Generated scenarios keep their own instruction in force (AsyncDriver-style routing instructions in the
  builtin suite; "turn left in 45 meters", "stop at the pickup zone", "drive slowly", ... in the instruction
  scenarios, whose scene is encoded with the route the planner is given, up to the branch for route
  branches, as in a run). CommonRoad samples get the routing instruction at that moment or, in 40% of them,
  an operator command consistent with the expert's future ("change to the left lane", "stop", "drive
  slowly"), so that the model learns to read the words; generated samples whose expert comes to a stop
  under a routing instruction are told "stop" ({c.get("stop_commands", "n/a")} samples say "stop" alone),
  so that the operator's "stop" is not read as "stop at the pickup zone".
- Training: {c["epochs"]} epochs, AdamW, batch 256, seed {c["seed"]}, {c["train_seconds"]} s on this project's
  2-core machine with Debian's CPU-only torch {c["torch"]}; 90 / 10 split. Losses: class-weighted
  cross-entropy for the lane and turn heads, Huber for the speed, binary cross-entropy for the stop, slow
  and pull-over heads, Huber for the headway over the samples that have one (each source's together
  weighing as much as another's); then the lane logits are shifted by -log(class weight), so that the lane
  probabilities follow the data's odds (a lane change in {100 * lane_share:.1f}% of samples) and not the
  balanced odds the weights trained on (figures below are after the shift).
  Command: `make model` (or `bin/asyncdrive guide-dataset --out DIR --commonroad ../shared/data/commonroad`
  then `/usr/bin/python3 scripts/train_guide.py DIR llmguide/model`).
- Validation ({c["validation_samples"]} samples): lane-change accuracy {fmt(v["lane_accuracy"])}
  (recall: left {fmt(rec["left"]["recall"])} of {rec["left"]["n"]}, keep {fmt(rec["keep"]["recall"])} of
  {rec["keep"]["n"]}, right {fmt(rec["right"]["recall"])} of {rec["right"]["n"]}); target speed mean absolute
  error {v["speed_mae_mps"]:.2f} m/s; stop accuracy {fmt(v["stop_accuracy"])}; turn accuracy
  {fmt(v["turn_accuracy"])} (recall: left {fmt(trec["left"]["recall"])} of {trec["left"]["n"]}, straight
  {fmt(trec["straight"]["recall"])} of {trec["straight"]["n"]}, right {fmt(trec["right"]["recall"])} of
  {trec["right"]["n"]}); {fmt(named["accuracy"])} of {named["n"]} samples whose instruction names a movement
  ("turn ...", "go straight"), {fmt(unnamed["accuracy"])} of the other {unnamed["n"]}; slow accuracy
  {fmt(v["slow_accuracy"])} (recall {fmt(srec["recall"])} of {srec["n"]} samples told "drive slowly", called
  slow in {fmt(sfalse["rate"])} of the other {sfalse["n"]}); pull-over accuracy {fmt(v["pullover_accuracy"])}
  (recall {fmt(prec["recall"])} of {prec["n"]} samples told "stop at the pickup zone", called so in
  {fmt(pfalse["rate"])} of the other {pfalse["n"]}); headway mean absolute error {hmae} over the labelled
  samples ({hval}).
- Parity: `reference.json` holds PyTorch's outputs on {c["reference_cases"]} fixed validation inputs (the
  first 4, and the first labelled left, right, slow, pull-over and with a headway); `go test ./llmguide/ort`
  checks that ONNX Runtime reproduces them within 1e-4, turn, slow and pull-over logits and the headway
  included.
- Turn instructions: `go test -run TestBuiltinModelFollowsTurnInstructions ./llmguide/ort` gives 6
  route-branch evaluation scenes (seed 1, not trained on; route known up to the junction) the texts "turn
  left in 40 meters", "turn right in 20 meters", "go straight in 30 meters" and "keep going", and checks
  that the model names that movement (straight for "keep going").
- Slow instructions: `go test -run TestBuiltinModelReadsSlowInstructions ./llmguide/ort` checks on
  generated evaluation scenes (seed 1) that "drive slowly" gives a slow probability of at least 0.5 and
  "keep going", "turn left in 40 meters" and "change to the left lane" less.
- Pull-over instructions: `go test -run TestBuiltinModelReadsPullOverInstructions ./llmguide/ort` checks on
  generated evaluation scenes (seed 1) that "stop at the pickup zone" gives a pull-over probability of at
  least 0.5 and "stop", "keep going" and "drive slowly" less.
- Limits: lane changes are rare in the data ({100 * lane_share:.1f}% of samples), so the lane head leans on
  the instruction words; where no instruction names the movement, the turn head has only the route in the
  scene to go by; it is a small model trained in minutes, not a pretrained language model. Any model
  meeting the contract can replace it (`--guide path/to/model.onnx`).
""")


if __name__ == "__main__":
    main()
