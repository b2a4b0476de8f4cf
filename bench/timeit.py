#!/usr/bin/python3
"""timeit.py N CMD... - run CMD N times; print the median wall and CPU ms

CPU is the child's user + system time (wait4), the process's own cost
whatever else the machine does. The exit status of CMD is not checked
here: the caller checks one run's output.
"""
import os
import statistics
import sys
import time

n, cmd = int(sys.argv[1]), sys.argv[2:]
wall, cpu = [], []
for _ in range(n):
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, _, ru = os.wait4(pid, 0)
    wall.append((time.perf_counter() - t0) * 1000)
    cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
print("%.1f %.1f" % (statistics.median(wall), statistics.median(cpu)))
