// What the returns service is: its name and schema, and what it serves and runs from its flags.
// main.cc runs it with RunService; the in-process tests run the same wiring.
#ifndef QMS_SERVICES_RETURNS_WIRING_H_
#define QMS_SERVICES_RETURNS_WIRING_H_

#include "common/server/service_main.h"

namespace qms::returns {

const ServiceSpec& Service();

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_WIRING_H_
