// Preloaded beside libfaketime in the date-shifted test run (QMS_CLOCK_SHIFT=+730d scripts/qms
// test). libfaketime moves the clock a process reads, not the kernel's; a futex wait with an
// absolute CLOCK_REALTIME deadline (absl's timed waits, so gRPC's timer manager and every call
// deadline) then sleeps until the *faked* time arrives on the kernel's clock: two years. This
// shim moves such a deadline back by the shift (the faked minus the kernel's realtime, measured
// at the call), so timed waits last what they were asked to. Test infrastructure only.
#include <dlfcn.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <time.h>

using SyscallFn = long (*)(long, ...);

extern "C" long syscall(long number, ...) {
  static SyscallFn real = reinterpret_cast<SyscallFn>(dlsym(RTLD_NEXT, "syscall"));
  va_list ap;
  va_start(ap, number);
  long a[6];
  for (int i = 0; i < 6; ++i) a[i] = va_arg(ap, long);  // syscall(2) passes at most six
  va_end(ap);
  if (number == SYS_futex && (a[1] & FUTEX_CLOCK_REALTIME) && a[3] != 0 &&
      (a[1] & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET) {
    struct timespec faked, kernel;
    clock_gettime(CLOCK_REALTIME, &faked);             // libfaketime's answer
    real(SYS_clock_gettime, CLOCK_REALTIME, &kernel);  // the kernel's
    const auto* asked = reinterpret_cast<const struct timespec*>(a[3]);
    long long ns =
        (static_cast<long long>(asked->tv_sec) - faked.tv_sec + kernel.tv_sec) * 1000000000LL +
        asked->tv_nsec - faked.tv_nsec + kernel.tv_nsec;
    if (ns < 0) ns = 0;
    struct timespec moved = {static_cast<time_t>(ns / 1000000000LL),
                             static_cast<long>(ns % 1000000000LL)};
    return real(number, a[0], a[1], a[2], reinterpret_cast<long>(&moved), a[4], a[5]);
  }
  return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
