#include "services/complaints/statistics.h"

#include <map>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace qms::complaints {

double MonthlyFigures::containment_on_time_rate() const {
  return containment_due == 0 ? 1.0 : static_cast<double>(contained_on_time) / containment_due;
}

double MonthlyFigures::corrective_action_on_time_rate() const {
  return corrective_action_due == 0
             ? 1.0
             : static_cast<double>(corrective_action_on_time) / corrective_action_due;
}

std::vector<MonthlyFigures> MonthlyStatistics(const std::vector<Complaint>& complaints,
                                              absl::TimeZone zone, absl::Time now) {
  std::map<std::pair<std::string, std::string>, MonthlyFigures> rows;
  for (const Complaint& c : complaints) {
    const absl::CivilMonth m = absl::ToCivilMonth(c.intake.received_time, zone);
    const std::string month = absl::StrFormat("%04d-%02d", m.year(), m.month());
    MonthlyFigures& f = rows[{month, c.intake.customer}];
    f.month = month;
    f.customer = c.intake.customer;
    ++f.received;
    if (!c.serious_reasons.empty()) ++f.serious;

    const absl::Time containment_due = c.intake.received_time + kContainmentWindow;
    if (c.contain_time || now > containment_due) {
      ++f.containment_due;
      if (c.contain_time && *c.contain_time <= containment_due) ++f.contained_on_time;
    }
    if (c.reply_time || now > c.corrective_action_due) {
      ++f.corrective_action_due;
      if (c.reply_time && *c.reply_time <= c.corrective_action_due) ++f.corrective_action_on_time;
    }
    const bool open =
        c.status != ComplaintStatus::kClosed && c.status != ComplaintStatus::kReopened;
    if (open) {
      ++f.open;
      if ((!c.contain_time && now > containment_due) ||
          (!c.reply_time && now > c.corrective_action_due)) {
        ++f.overdue;
      }
    }
  }
  std::vector<MonthlyFigures> out;
  for (auto& [key, f] : rows) out.push_back(std::move(f));
  return out;
}

}  // namespace qms::complaints
