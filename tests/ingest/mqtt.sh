#!/usr/bin/env bash
# A real MQTT path: a mosquitto broker on 127.0.0.1, `mosquitto_sub | bk-ingest --roll`,
# N messages published; all N are in the dataset. Skipped (exit 0, saying so) where
# mosquitto is not installed, except in CI ($CI set), where it fails.
source "$(dirname "$0")/lib.sh"
n=${MESSAGES:-2000}
for t in mosquitto mosquitto_sub mosquitto_pub; do
  if ! command -v "$t" >/dev/null && ! [ -x "/usr/sbin/$t" ]; then
    if [ -n "${CI:-}" ]; then echo "FAIL: $t is not installed (packaging/install-deps.sh installs it)"; exit 1; fi
    echo "SKIP: $t is not installed (apt-get install mosquitto mosquitto-clients)"; exit 0
  fi
done
broker=$(command -v mosquitto || echo /usr/sbin/mosquitto)
port=$((20000 + RANDOM % 20000))
cat >broker.conf <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
# No cap on the messages the broker queues for a slow subscriber: by default it keeps
# 1000 and drops the rest, so a publisher that outruns the subscriber (under ASan, on a
# busy machine) lost messages and the subscriber waited for them for ever.
max_queued_messages 0
log_dest stderr
log_type all
CONF
"$broker" -c broker.conf 2>broker.log &
bpid=$!
trap 'kill $bpid 2>/dev/null; rm -rf "$TMP"' EXIT
for ((i = 0; i < 50; i++)); do grep -q "Opening ipv4 listen socket on port $port" broker.log 2>/dev/null && break; sleep 0.1; done

# The subscriber exits after N messages: its end of output ends bk-ingest's input.
# -W: a message lost all the same ends the wait after 120 s, and the checks below fail.
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'meters/#' -q 1 -C "$n" -W 120 |
  "$INGEST" -d ds --time ts --roll 1s --stats stats.json &
pipeline=$!
for ((i = 0; i < 100; i++)); do grep -q "SUBSCRIBE" broker.log 2>/dev/null && break; sleep 0.1; done
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "{\"device\":\"m-%d\",\"ts\":\"2026-03-01T%02d:%02d:%02dZ\",\"value\":%d}\n", i % 10, i / 3600 % 24, i / 60 % 60, i % 60, i }' |
  mosquitto_pub -h 127.0.0.1 -p "$port" -t meters/site-1 -q 1 -l
check "publish status" 0 $?
for ((i = 0; i < 300 && $(jobs -r | wc -l) > 1; i++)); do sleep 0.1; done
wait "$pipeline"
check "pipeline status" 0 $?
check "all $n messages in the dataset" "$n" "$(rows ds)"
check "every value once" "$n" "$("$CAT" ds --select value | sort -u | wc -l)"
check "stats" "{\"read\":$n,\"written\":$n,\"rejected\":0,\"deduplicated\":0,\"filtered\":0}" "$(counts stats.json)"
check "verifies" 0 "$("$CAT" --verify ds >/dev/null 2>&1; echo $?)"
finish
