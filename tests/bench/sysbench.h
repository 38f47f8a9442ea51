// The database ceiling: sysbench oltp_insert against the same MariaDB, in the same run.
#ifndef QMS_TESTS_BENCH_SYSBENCH_H_
#define QMS_TESTS_BENCH_SYSBENCH_H_

#include <string>

namespace qms::bench {

struct Sysbench {
  double tps = 0;
  double p99_ms = 0;
};

// `prefix`: "sysbench --db-driver=mysql --mysql-host=... --mysql-db=..." (empty: skipped, zeros).
Sysbench RunSysbench(const std::string& prefix, int threads, int seconds);

}  // namespace qms::bench

#endif  // QMS_TESTS_BENCH_SYSBENCH_H_
