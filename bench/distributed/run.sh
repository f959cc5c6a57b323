#!/bin/sh
# The comparisons of docs/distributed.md, interleaved in rounds so that the machine's load hits all
# of them alike; prints `uptime` first and last. Usage: bench/distributed/run.sh [BUILD_DIR] [ROUNDS]
set -eu
bin=${1:-build/release}/bin/ink-mpi-bench
rounds=${2:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
uptime
mpirun -np 2 "$bin" --allreduce-only
for round in $(seq "$rounds"); do
    echo "round $round"
    OMP_NUM_THREADS=1 mpirun -np 1 "$bin" --batch 32 --threads 1           # 1 rank x 1 thread, B 32
    OMP_NUM_THREADS=1 mpirun -np 2 "$bin" --batch 32 --threads 1           # 2 ranks x 1 thread, B 32 each
    OMP_NUM_THREADS=1 mpirun -np 2 "$bin" --batch 32 --threads 1 --no-overlap  # the same, allreduce after backward
    OMP_NUM_THREADS=1 mpirun -np 2 "$bin" --batch 32 --threads 1 --sync    # the same, skew apart
    OMP_NUM_THREADS=1 mpirun -np 2 "$bin" --batch 32 --threads 1 --no-allreduce  # two independent trainings
    OMP_NUM_THREADS=2 mpirun -np 1 --bind-to none "$bin" --batch 64 --threads 2  # 1 rank x 2 threads, B 64
done
uptime
