#!/usr/bin/env bash
# Spark's GPU discovery script (spark.worker.resource.gpu.discoveryScript, or spark.executor.resource.gpu.discoveryScript
# outside standalone mode): prints the GPUs nvidia-smi sees, {"name":"gpu","addresses":["0","1"]}, or an empty
# list on a machine without one, so that such a worker still starts and simply gets no GPU tasks.
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null) || indices=
addresses=()
for index in $indices; do
  addresses+=("\"$index\"")
done
printf '{"name":"gpu","addresses":[%s]}\n' "$(IFS=,; echo "${addresses[*]}")"
