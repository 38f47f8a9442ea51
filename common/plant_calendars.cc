#include "common/plant_calendars.h"

#include "absl/strings/str_cat.h"

namespace qms {

PlantCalendars::PlantCalendars(std::string default_zone) : default_name_(std::move(default_zone)) {
  if (!absl::LoadTimeZone(default_name_, &default_zone_)) {
    default_name_ = "UTC";
    default_zone_ = absl::UTCTimeZone();
  }
}

absl::Status PlantCalendars::Add(const std::string& plant, const std::string& zone,
                                 const Calendar* calendar) {
  Entry entry;
  if (!absl::LoadTimeZone(zone, &entry.zone)) {
    return absl::InvalidArgumentError(absl::StrCat("plant ", plant, ": unknown time zone ", zone));
  }
  entry.given = calendar != nullptr;
  entry.calendar = calendar != nullptr ? *calendar : DefaultCalendar(plant, zone);
  entry.calendar.plant = plant;
  entry.calendar.time_zone = zone;
  entry.calendar.is_default = !entry.given;
  plants_[plant] = std::move(entry);
  return absl::OkStatus();
}

absl::TimeZone PlantCalendars::Zone(absl::string_view plant) const {
  auto it = plants_.find(plant);
  return it == plants_.end() ? default_zone_ : it->second.zone;
}

const std::string& PlantCalendars::ZoneName(absl::string_view plant) const {
  auto it = plants_.find(plant);
  return it == plants_.end() ? default_name_ : it->second.calendar.time_zone;
}

Calendar PlantCalendars::CalendarOf(absl::string_view plant) const {
  auto it = plants_.find(plant);
  if (it != plants_.end()) return it->second.calendar;
  return DefaultCalendar(std::string(plant), default_name_);
}

bool PlantCalendars::GivesCalendar(absl::string_view plant) const {
  auto it = plants_.find(plant);
  return it != plants_.end() && it->second.given;
}

std::vector<Calendar> PlantCalendars::GivenCalendars() const {
  std::vector<Calendar> out;
  for (const auto& [code, entry] : plants_) {
    if (entry.given) out.push_back(entry.calendar);
  }
  return out;
}

}  // namespace qms
