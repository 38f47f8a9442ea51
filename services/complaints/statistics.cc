#include "services/complaints/statistics.h"

namespace qms::complaints {

double MonthlyFigures::containment_on_time_rate() const {
  return containment_due == 0 ? 1.0 : static_cast<double>(contained_on_time) / containment_due;
}

double MonthlyFigures::corrective_action_on_time_rate() const {
  return corrective_action_due == 0
             ? 1.0
             : static_cast<double>(corrective_action_on_time) / corrective_action_due;
}

}  // namespace qms::complaints
