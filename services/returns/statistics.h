// Monthly return figures per customer (plant-local months of registration), for the plant
// meeting and as input for improvement. Plain C++.
#ifndef QMS_SERVICES_RETURNS_STATISTICS_H_
#define QMS_SERVICES_RETURNS_STATISTICS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/returns/return.h"

namespace qms::returns {

struct MonthlyFigures {
  std::string month;  // "2026-03"
  std::string customer;
  int returns = 0;
  int64_t quantity = 0;  // returned (received, or announced without goods)
  Disposition disposed;  // quantities by disposition (reasons left empty)
  int lines_confirmed = 0;
  int lines_no_trouble_found = 0;
  int rework_orders_closed = 0;
  int rework_orders_on_time = 0;  // closed by the customer's need date
  double rework_lead_days = 0;    // mean, issue to close, of the closed orders

  double NoTroubleFoundRate() const {
    return lines_confirmed == 0 ? 0 : static_cast<double>(lines_no_trouble_found) / lines_confirmed;
  }
};

// Ordered by month, then customer.
std::vector<MonthlyFigures> Summarize(const std::vector<Return>& returns, absl::TimeZone zone);

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_STATISTICS_H_
