// The roles of the domain brief, as tokens carry them in their "roles" claim.
#ifndef QMS_COMMON_AUTH_ROLES_H_
#define QMS_COMMON_AUTH_ROLES_H_

namespace qms::auth {

inline constexpr char kSales[] = "sales";
inline constexpr char kQuality[] = "quality";
// The department made responsible for a complaint (production, engineering, purchasing, ...).
inline constexpr char kDepartment[] = "responsible_department";
inline constexpr char kGeneralManager[] = "general_manager";
inline constexpr char kWarehouse[] = "warehouse";
inline constexpr char kEngineering[] = "engineering";
// Production control (PMC): books returned goods, issues rework orders, schedules production.
inline constexpr char kProductionControl[] = "production_control";
// MES, test stations and other machines on the plant floor.
inline constexpr char kPlantFloor[] = "plant_floor";
// Reads everything of its plants, changes nothing.
inline constexpr char kAuditor[] = "auditor";
inline constexpr char kAdmin[] = "admin";
// Another service of the suite (e.g. the outbox relay calling notifications).
inline constexpr char kService[] = "service";

// Every role that may read a plant's records (the auditor's only right).
inline const char* const kReaders[] = {
    kSales,       kQuality,           kDepartment, kGeneralManager, kWarehouse,
    kEngineering, kProductionControl, kPlantFloor, kAuditor,        kAdmin,
    kService};

// A "plants" claim entry that stands for every plant (company-wide roles).
inline constexpr char kAllPlants[] = "*";

}  // namespace qms::auth

#endif  // QMS_COMMON_AUTH_ROLES_H_
