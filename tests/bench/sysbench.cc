#include "tests/bench/sysbench.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace qms::bench {

Sysbench RunSysbench(const std::string& prefix, int threads, int seconds) {
  Sysbench out;
  if (prefix.empty()) return out;
  const std::string common = prefix + " --tables=1 --table-size=10000 oltp_insert";
  (void)std::system((common + " cleanup >/dev/null 2>&1").c_str());
  if (std::system((common + " prepare >/dev/null 2>&1").c_str()) != 0) {
    std::cerr << "sysbench prepare failed\n";
    return out;
  }
  FILE* pipe = popen(
      absl::StrCat(common, " --threads=", threads, " --time=", seconds, " --percentile=99 run 2>&1")
          .c_str(),
      "r");
  std::string text;
  char buffer[4096];
  while (pipe && fgets(buffer, sizeof buffer, pipe)) text += buffer;
  if (pipe) pclose(pipe);
  (void)std::system((common + " cleanup >/dev/null 2>&1").c_str());
  // "transactions:  123 (12.3 per sec.)" and "99th percentile:  5.00"
  const auto number_after = [&](const std::string& label, const std::string& from) {
    size_t at = text.find(label);
    if (at == std::string::npos) return 0.0;
    at = from.empty() ? at + label.size() : text.find(from, at);
    if (at == std::string::npos) return 0.0;
    at += from.size();
    return std::strtod(text.c_str() + at, nullptr);
  };
  out.tps = number_after("transactions:", "(");
  out.p99_ms = number_after("99th percentile:", "");
  return out;
}

}  // namespace qms::bench
