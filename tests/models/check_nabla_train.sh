#!/usr/bin/env bash
# nabla-train end to end: --help, bad arguments (one line on stderr, non-zero
# exit), a short real run on Fashion-MNIST, Ctrl-C (a checkpoint, exit 130)
# and --resume from it.
#   check_nabla_train.sh NABLA_TRAIN WORKDIR
# Exits 77 (CTest: skipped) when the dataset is not installed.
set -uo pipefail
exe=$1
work=$2
data=/usr/share/datasets/fashion-mnist
if [ ! -d "$data" ]; then
  echo "SKIPPED: $data missing (apt-get install dataset-fashion-mnist)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

# --help lists the options, the models and the datasets.
"$exe" --help >help.txt || fail "--help exited $?"
for word in --model --resume --epochs mlp lenet5 fashion-mnist; do
  grep -q -- "$word" help.txt || fail "--help does not mention $word"
done

# Bad arguments: exit status 2 and exactly one line, naming the problem.
bad() {
  local expect=$1
  shift
  "$exe" "$@" >out.txt 2>err.txt
  local rc=$?
  [ $rc -ne 0 ] || fail "'$*' exited 0"
  [ "$(wc -l <err.txt)" -eq 1 ] || fail "'$*' printed $(wc -l <err.txt) lines on stderr: $(cat err.txt)"
  grep -q -- "$expect" err.txt || fail "'$*': '$expect' not in: $(cat err.txt)"
  echo "ok: '$*' -> $(cat err.txt)"
}
bad "unknown option '--epoch'" --epoch 3
bad "--epochs expects an integer, got 'three'" --epochs three
bad "--epochs must be >= 1" --epochs 0
bad "--model must be one of mlp, lenet5" --model resnet
bad "--lr needs a value" --lr
bad "no-such-dir" --data-dir no-such-dir
bad "not-a-checkpoint" --resume not-a-checkpoint

# A short real run.
common=(--limit 3000 --val-size 1000 --batch-size 64 --no-progress --threads 1)
"$exe" "${common[@]}" --epochs 2 --out run >run.txt 2>&1 || { cat run.txt; fail "training exited $?"; }
cat run.txt
grep -q "test accuracy" run.txt || fail "no test accuracy printed"
acc=$(sed -n 's/^test accuracy \([0-9.]*\)%.*/\1/p' run.txt)
awk -v a="$acc" 'BEGIN { exit !(a > 70) }' || fail "test accuracy $acc% after 2 short epochs"
for f in run/report.html run/metrics.csv run/metrics.jsonl run/model.safetensors \
         run/checkpoints/last.safetensors run/checkpoints/best.safetensors; do
  [ -s "$f" ] || fail "$f missing"
done

# Ctrl-C during training: a checkpoint at the current step and exit 130.
"$exe" "${common[@]}" --epochs 1000 --out stopped >stopped.txt 2>&1 &
pid=$!
for _ in $(seq 600); do  # up to 60 s for the first epoch's checkpoint
  [ -f stopped/checkpoints/last.safetensors ] && break
  sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
cat stopped.txt
[ $rc -eq 130 ] || fail "after Ctrl-C the exit status is $rc, not 130"
[ -s stopped/checkpoints/interrupted.safetensors ] || fail "no interrupted.safetensors"
grep -q "continue with: nabla-train --resume stopped/checkpoints/interrupted.safetensors" stopped.txt ||
  fail "no resume hint"

# --resume alone brings the run's options back; --epochs given again wins.
# The interrupt lands wherever training has got to (an epoch here takes a few
# ms), so the resumed run is asked for two epochs more than that.
stopped_at=$(grep -o "interrupted at epoch [0-9]*" stopped.txt | grep -o "[0-9]*$")
[ -n "$stopped_at" ] || fail "no 'interrupted at epoch N' line"
until=$((stopped_at + 2))
"$exe" --resume stopped/checkpoints/interrupted.safetensors --epochs $until >resumed.txt 2>&1 ||
  { cat resumed.txt; fail "resume exited $?"; }
cat resumed.txt
grep -q "^resuming stopped/checkpoints/interrupted.safetensors" resumed.txt || fail "no resume line"
grep -q "3000 training" resumed.txt || fail "the resumed run did not restore --limit 3000"
grep -q "after $until epochs" resumed.txt || fail "the resumed run did not stop after epoch $until"
grep -q "^epoch $until/$until" resumed.txt || fail "the resumed run did not train epoch $until"
echo "PASS"
