// The returns schema, embedded from migrations/*.sql at build time.
#ifndef QMS_SERVICES_RETURNS_MIGRATIONS_H_
#define QMS_SERVICES_RETURNS_MIGRATIONS_H_

#include <vector>

#include "common/db/migrator.h"

namespace qms::returns {
const std::vector<db::Migration>& Migrations();
}

#endif  // QMS_SERVICES_RETURNS_MIGRATIONS_H_
