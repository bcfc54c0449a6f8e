#!/bin/bash
# usage: measure.sh MODE [tls] — server RSS per idle stream at N (default 10000) conns
set -u
MODE=$1; TLS=${2:-}; N=${N:-10000}; PING=${PING:-10s}; HOLD=${HOLD:-22}
cd "$(dirname "$0")"; ulimit -n 20000
SCHEME=ws; STATS=http; FLAGS=""
if [ "$TLS" = tls ]; then SCHEME=wss; STATS=https; FLAGS=-tls; fi
./bin/server -mode $MODE $FLAGS -ping $PING > ./server.log 2>&1 & SPID=$!
sleep 1
B=$(curl -sk $STATS://127.0.0.1:8080/stats)
./bin/client -n $N -url $SCHEME://127.0.0.1:8080/ws > ./client.log 2>&1 & CPID=$!
until grep -q OPEN ./client.log; do sleep 0.5; done
sleep $HOLD
A=$(curl -sk $STATS://127.0.0.1:8080/stats)
RSS1=$(grep VmRSS /proc/$SPID/status | awk '{print $2}')
[ -n "${PPROF:-}" ] && go tool pprof -sample_index=inuse_space -top -nodecount=25 $STATS+insecure://127.0.0.1:8080/debug/pprof/heap 2>/dev/null | head -32
kill -TERM $SPID; wait $SPID 2>/dev/null; sleep 6
kill -TERM $CPID; wait $CPID 2>/dev/null
echo "before: $B"; echo "after:  $A"
grep -h "OPEN\|shutdown" ./client.log ./server.log; tail -1 ./client.log
python3 - "$B" "$A" $N <<'PY'
import json,sys
b,a,n=json.loads(sys.argv[1]),json.loads(sys.argv[2]),int(sys.argv[3])
kib=lambda s:int(s.split()[0])
d=kib(a['vmrss'])-kib(b['vmrss'])
print(f"RESULT mode={a['mode']} tls={a['tls']} conns={a['conns']} rss_delta={d}KiB per_conn={d/max(a['conns'],1):.2f}KiB goroutines/conn={(a['goroutines']-b['goroutines'])/max(a['conns'],1):.2f} heap/conn={(a['heapInuseKiB']-b['heapInuseKiB'])/max(a['conns'],1):.2f} stack/conn={(a['stackInuseKiB']-b['stackInuseKiB'])/max(a['conns'],1):.2f}")
PY
