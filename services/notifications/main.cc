// notifications: plant calendars, response timers, escalations and deliveries.
#include "services/notifications/wiring.h"

int main(int argc, char** argv) {
  return qms::RunService(argc, argv, qms::notifications::Service());
}
