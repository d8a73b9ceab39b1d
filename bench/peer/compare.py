"""`make bench-peer`: kc and real Keras 3 on the same models, alternately, in one run.

Each round runs `kc bench --json` (every available kc lowering) and then the peer
script (`keras_peer.py`, Keras 3 on JAX with and without jit_compile; on torch when
PEER_TORCH=1 and torch is installed), so both see the same machine state. The table
gives, per model and per runner, the median over rounds of each round's median ms/step,
and the ratio of each kc lowering to `keras-jax` (below 1: kc is faster).

    python bench/peer/compare.py --kc target/release/kc --rounds 3 [--models mlp] [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kc", default="target/release/kc")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", default="mlp,cnn")
    p.add_argument("--mode", default="fit")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--lowerings", default="interp,xla")
    p.add_argument("--json", help="also write all measurements here")
    a = p.parse_args()
    backends = ["jax"] + (["torch"] if os.environ.get("PEER_TORCH") == "1" else [])
    results = {}  # (model, runner) -> list of per-round rows
    for r in range(a.rounds):
        for model in a.models.split(","):
            common = ["--model", model, "--mode", a.mode, "--batch", str(a.batch), "--steps", str(a.steps)]
            # one process per lowering, so each peak RSS is its own
            for low in a.lowerings.split(","):
                kc = run_json([a.kc, "bench", *common, "--lowering", low, "--json"])
                for row in kc["rows"]:
                    results.setdefault((model, "kc-" + row["lowering"]), []).append(row)
            for be in backends:
                env = dict(os.environ, KERAS_BACKEND=be)
                peer = run_json([sys.executable, os.path.join(HERE, "keras_peer.py"), *common], env=env)
                for row in peer["rows"]:
                    results.setdefault((model, row["lowering"]), []).append(row)
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)
    print(f"kc vs Keras 3: mode {a.mode}, batch {a.batch}, {a.steps} timed steps per run, median of {a.rounds} alternating rounds")
    print(f"{'model':<18} {'runner':<18} {'median ms':>10} {'p90 ms':>9} {'compile ms':>11} {'peak MiB':>9} {'vs keras-jax':>13}")
    summary = []
    for model in a.models.split(","):
        base = results.get((model, "keras-jax"), [])
        base_med = statistics.median([x["median_ms"] for x in base if "median_ms" in x]) if base else None
        for (m, runner), rows in sorted(results.items()):
            if m != model:
                continue
            ok = [x for x in rows if "median_ms" in x and not x.get("error")]
            if not ok:
                err = rows[-1].get("error", "no measurement")
                print(f"{model:<18} {runner:<18} {err}")
                summary.append({"model": model, "runner": runner, "error": err})
                continue
            med = statistics.median(x["median_ms"] for x in ok)
            p90 = statistics.median(x["p90_ms"] for x in ok)
            comp = statistics.median(x["compile_ms"] for x in ok)
            rss = max(x["peak_rss_mb"] for x in ok)
            ratio = med / base_med if base_med else float("nan")
            print(f"{model:<18} {runner:<18} {med:>10.3f} {p90:>9.3f} {comp:>11.1f} {rss:>9.1f} {ratio:>12.2f}x")
            summary.append({"model": model, "runner": runner, "median_ms": med, "p90_ms": p90, "compile_ms": comp, "peak_rss_mb": rss, "ratio_vs_keras_jax": ratio})
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"args": vars(a), "summary": summary, "raw": {f"{k[0]}/{k[1]}": v for k, v in results.items()}}, f, indent=2)


if __name__ == "__main__":
    main()
