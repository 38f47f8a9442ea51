// Monthly complaint figures per customer, for the plant meeting, the dashboards and the
// satisfaction service (domain brief §1 "Monthly"). The database counts them
// (ComplaintStore::Statistics); the rates are taken here.
#ifndef QMS_SERVICES_COMPLAINTS_STATISTICS_H_
#define QMS_SERVICES_COMPLAINTS_STATISTICS_H_

#include <string>

namespace qms::complaints {

struct MonthlyFigures {
  std::string month;  // "2026-03", of receipt in the plant's zone
  std::string customer;
  int received = 0;
  int serious = 0;
  // Containment: due = received + 24 h. Counted once it was done or is due.
  int containment_due = 0;
  int contained_on_time = 0;
  // Corrective action: due at corrective_action_due. Counted once replied or due.
  int corrective_action_due = 0;
  int corrective_action_on_time = 0;
  int open = 0;     // not CLOSED and not REOPENED
  int overdue = 0;  // open with the containment or the corrective action past due at `now`

  // 1.0 when nothing is due yet.
  double containment_on_time_rate() const;
  double corrective_action_on_time_rate() const;
};

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_STATISTICS_H_
