// Resource names in the AIP-122 form the APIs use: "plants/{plant}/complaints/{number}".
#ifndef QMS_COMMON_RESOURCE_NAME_H_
#define QMS_COMMON_RESOURCE_NAME_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qms {

// True for a plant code: 2 to 16 characters of A-Z, 0-9, '-' or '_', starting with a letter.
bool IsValidPlantCode(absl::string_view plant);

// Splits `name` against `collections` (e.g. {"plants", "complaints"}) and returns the ids in
// order. INVALID_ARGUMENT naming `field` when the shape differs, an id is empty or contains '/',
// or the plant id is not a valid plant code.
absl::StatusOr<std::vector<std::string>> ParseResourceName(
    absl::string_view field, absl::string_view name,
    const std::vector<absl::string_view>& collections);

// "plants/{plant}" -> plant.
absl::StatusOr<std::string> ParsePlantParent(absl::string_view field, absl::string_view parent);

}  // namespace qms

#endif  // QMS_COMMON_RESOURCE_NAME_H_
