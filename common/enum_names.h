// An enum's names in one table, read both ways: a domain keeps the table and asks it
//
//   constexpr EnumName<ReturnState> kStates[] = {{ReturnState::kRegistered, "REGISTERED"}, ...};
//   absl::string_view ToString(ReturnState s) { return NameIn(kStates, s); }
//   std::optional<ReturnState> StateFromString(absl::string_view t) { return ValueIn(kStates, t); }
//
// The names are the API's enum value names, so they are what the database and the history hold.
#ifndef QMS_COMMON_ENUM_NAMES_H_
#define QMS_COMMON_ENUM_NAMES_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace qms {

template <class E>
struct EnumName {
  E value;
  absl::string_view name;
};

// The name of `value` in `table`, "UNKNOWN" for a value the table lacks.
template <class E, size_t N>
absl::string_view NameIn(const EnumName<E> (&table)[N], E value) {
  for (const EnumName<E>& e : table) {
    if (e.value == value) return e.name;
  }
  return "UNKNOWN";
}

// The value named `name` in `table`, or nullopt.
template <class E, size_t N>
std::optional<E> ValueIn(const EnumName<E> (&table)[N], absl::string_view name) {
  for (const EnumName<E>& e : table) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

}  // namespace qms

#endif  // QMS_COMMON_ENUM_NAMES_H_
