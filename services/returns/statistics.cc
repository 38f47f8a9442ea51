#include "services/returns/statistics.h"

#include <map>
#include <utility>

namespace qms::returns {

std::vector<MonthlyFigures> Summarize(const std::vector<Return>& returns, absl::TimeZone zone) {
  std::map<std::pair<std::string, std::string>, MonthlyFigures> rows;
  std::map<std::pair<std::string, std::string>, double> lead_days;
  for (const Return& r : returns) {
    const std::string month = absl::FormatTime("%Y-%m", r.create_time, zone);
    MonthlyFigures& f = rows[{month, r.customer}];
    f.month = month;
    f.customer = r.customer;
    ++f.returns;
    for (const Line& l : r.lines) {
      f.quantity += ToDispose(r, l);
      f.disposed.rework += l.disposition.rework;
      f.disposed.scrap += l.disposition.scrap;
      f.disposed.concession += l.disposition.concession;
      f.disposed.to_customer += l.disposition.to_customer;
      f.disposed.to_supplier += l.disposition.to_supplier;
      if (l.confirmation) {
        ++f.lines_confirmed;
        if (l.confirmation->result == ConfirmationResult::kNoTroubleFound) {
          ++f.lines_no_trouble_found;
        }
      }
    }
    for (const ReworkOrder& o : r.rework_orders) {
      if (o.state != ReworkState::kClosed || !o.close_time) continue;
      ++f.rework_orders_closed;
      if (*o.close_time <= o.need_time) ++f.rework_orders_on_time;
      lead_days[{month, r.customer}] += absl::ToDoubleHours(*o.close_time - o.issue_time) / 24;
    }
  }
  std::vector<MonthlyFigures> out;
  for (auto& [key, f] : rows) {
    if (f.rework_orders_closed > 0) f.rework_lead_days = lead_days[key] / f.rework_orders_closed;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace qms::returns
