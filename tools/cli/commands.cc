#include "tools/cli/commands.h"

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace qms::cli {

RequestFields::Binding& RequestFields::Add(Kind kind, const std::string& path) {
  Binding& b = bindings_.emplace_back();
  b.kind = kind;
  b.path = path;
  return b;
}

CLI::Option* RequestFields::Text(const std::string& flag, const std::string& path,
                                 const std::string& help) {
  Binding& b = Add(Kind::kText, path);
  return b.option = command_->add_option(flag, b.text, help);
}

CLI::Option* RequestFields::Number(const std::string& flag, const std::string& path,
                                   const std::string& help) {
  Binding& b = Add(Kind::kNumber, path);
  return b.option = command_->add_option(flag, b.text, help)->check(CLI::Number);
}

CLI::Option* RequestFields::Time(const std::string& flag, const std::string& path,
                                 const std::string& help) {
  Binding& b = Add(Kind::kTime, path);
  return b.option =
             command_->add_option(flag, b.text, help + " (RFC 3339, or YYYY-MM-DD HH:MM UTC)");
}

CLI::Option* RequestFields::Flag(const std::string& flag, const std::string& path,
                                 const std::string& help) {
  Binding& b = Add(Kind::kFlag, path);
  return b.option = command_->add_flag(flag, b.flag, help);
}

CLI::Option* RequestFields::Texts(const std::string& flag, const std::string& path,
                                  const std::string& help) {
  Binding& b = Add(Kind::kTexts, path);
  return b.option = command_->add_option(flag, b.texts, help + " (repeatable)");
}

CLI::Option* RequestFields::Records(const std::string& flag, const std::string& path,
                                    const std::vector<std::string>& keys, const std::string& help) {
  Binding& b = Add(Kind::kRecords, path);
  b.keys = keys;
  return b.option = command_->add_option(
             flag, b.texts,
             absl::StrCat(help, " as \"", absl::StrJoin(keys, "|"), "\" (repeatable)"));
}

void SetPath(Json& object, const std::string& path, Json value) {
  Json* at = &object;
  for (absl::string_view key : absl::StrSplit(path, '.')) at = &(*at)[std::string(key)];
  *at = std::move(value);
}

std::string ToRfc3339(const std::string& flag, const std::string& text) {
  absl::Time t;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &error) ||
      absl::ParseTime("%Y-%m-%d %H:%M", text, absl::UTCTimeZone(), &t, &error) ||
      absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &error)) {
    return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
  }
  throw Failure{kUsage, absl::StrCat(flag, ": ", text, " is not a time (", error, ")")};
}

void RequestFields::Always(const std::string& path, Json value) {
  SetPath(always_, path, std::move(value));
}

Json RequestFields::Build(Json fixed) const {
  fixed.update(always_, /*merge_objects=*/true);
  for (const Binding& b : bindings_) {
    if (b.option->count() == 0) continue;
    switch (b.kind) {
      case Kind::kText:
        SetPath(fixed, b.path, b.text);
        break;
      case Kind::kNumber: {
        int64_t whole = 0;
        double number = 0;
        if (absl::SimpleAtoi(b.text, &whole)) {
          SetPath(fixed, b.path, whole);
        } else if (absl::SimpleAtod(b.text, &number)) {
          SetPath(fixed, b.path, number);
        }
        break;
      }
      case Kind::kTime:
        SetPath(fixed, b.path, ToRfc3339(b.option->get_name(), b.text));
        break;
      case Kind::kFlag:
        SetPath(fixed, b.path, b.flag);
        break;
      case Kind::kTexts:
        SetPath(fixed, b.path, b.texts);
        break;
      case Kind::kRecords: {
        Json records = Json::array();
        for (const std::string& text : b.texts) {
          std::vector<std::string> parts = absl::StrSplit(text, '|');
          Json record = Json::object();
          for (size_t i = 0; i < b.keys.size() && i < parts.size(); ++i) {
            if (!parts[i].empty()) record[b.keys[i]] = parts[i];
          }
          records.push_back(std::move(record));
        }
        SetPath(fixed, b.path, std::move(records));
        break;
      }
    }
  }
  return fixed;
}

std::string ResourceName(const std::string& id, const std::string& plant,
                         const std::string& collection) {
  if (absl::StartsWith(id, "plants/")) return id;
  std::string owner = id.find('-') != std::string::npos ? id.substr(0, id.find('-')) : plant;
  if (owner.empty()) {
    throw Failure{kUsage, absl::StrCat(id, ": give the full name (plants/PLANT/", collection,
                                       "/…) or --plant")};
  }
  return absl::StrCat("plants/", owner, "/", collection, "/", id);
}

Json ListPages(Client& client, const std::string& service, const std::string& method, Json request,
               const std::string& key, int limit) {
  Json records = Json::array();
  while (static_cast<int>(records.size()) < limit) {
    request["pageSize"] = std::min(500, limit - static_cast<int>(records.size()));
    Json page = client.Call(service, method, request);
    for (Json& record : page[key]) records.push_back(std::move(record));
    if (!page.contains("nextPageToken")) break;
    request["pageToken"] = page["nextPageToken"];
  }
  return Json{{key, std::move(records)}};
}

void Emit(const Context& context, const Json& reply, const std::function<void()>& show) {
  if (context.json) {
    std::cout << reply.dump() << "\n";
  } else {
    show();
  }
}

namespace {

void AddPlantOfId(CLI::App* command, std::string& plant) {
  command
      ->add_option("-p,--plant", plant,
                   "The plant, for an id that is neither a full name nor a number starting "
                   "with the plant (default $QMS_PLANT)")
      ->envname("QMS_PLANT");
}

}  // namespace

RequestFields& ListCommand(CLI::App& parent, Context& context, const std::string& name,
                           const std::string& help, const std::string& service,
                           const std::string& method, const Scope& scope, const std::string& key,
                           std::vector<Column> columns) {
  struct State {
    std::string scope;
    std::string plant;
    int limit = 50;
    std::unique_ptr<RequestFields> fields;
  };
  auto state = std::make_shared<State>();
  CLI::App* command =
      Command(parent, name, help,
              [&context, state, service, method, scope, key, columns = std::move(columns)] {
                Json fixed = Json::object();
                switch (scope.kind) {
                  case Scope::kPlantParent:
                    fixed["parent"] = absl::StrCat("plants/", state->scope);
                    break;
                  case Scope::kPlantCode:
                    fixed["plant"] = state->scope;
                    break;
                  case Scope::kRecord:
                    fixed["name"] = ResourceName(state->scope, state->plant, scope.collection);
                    break;
                }
                const Json reply = ListPages(context.client, service, method,
                                             state->fields->Build(fixed), key, state->limit);
                Emit(context, reply, [&] { PrintTable(std::cout, reply[key], columns); });
              });
  if (scope.kind == Scope::kRecord) {
    command->add_option("id", state->scope, "The record: its number or full resource name")
        ->required();
    AddPlantOfId(command, state->plant);
  } else {
    command->add_option("-p,--plant", state->scope, "The plant (default $QMS_PLANT)")
        ->envname("QMS_PLANT")
        ->required();
  }
  command->add_option("-n,--limit", state->limit, "At most this many (pages are followed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  state->fields = std::make_unique<RequestFields>(command);
  return *state->fields;
}

void ShowCommand(CLI::App& parent, Context& context, const std::string& service,
                 const std::string& method, const std::string& collection, const std::string& what,
                 std::vector<Column> fields, std::function<void(const Json&)> more) {
  auto id = std::make_shared<std::pair<std::string, std::string>>();  // id, plant
  CLI::App* command =
      Command(parent, "show", absl::StrCat("One ", what, " with everything recorded on it"),
              [&context, id, service, method, collection, fields = std::move(fields), more] {
                const Json record = context.client.Call(
                    service, method, {{"name", ResourceName(id->first, id->second, collection)}});
                Emit(context, record, [&] {
                  PrintRecord(std::cout, record, fields);
                  if (more) more(record);
                });
              });
  command->add_option("id", id->first, absl::StrCat("The ", what, ": its number or full name"))
      ->required();
  AddPlantOfId(command, id->second);
}

RequestFields& StepCommand(CLI::App& parent, Context& context, const std::string& name,
                           const std::string& help, const std::string& service,
                           const std::string& method, const std::string& collection,
                           std::vector<Column> summary) {
  struct State {
    std::string id;
    std::string plant;
    std::string etag;
    std::unique_ptr<RequestFields> fields;
  };
  auto state = std::make_shared<State>();
  CLI::App* command = Command(
      parent, name, help,
      [&context, state, service, method, collection, summary = std::move(summary)] {
        Json fixed = {{"name", ResourceName(state->id, state->plant, collection)}};
        if (!state->etag.empty()) fixed["etag"] = state->etag;
        const Json record = context.client.Call(service, method, state->fields->Build(fixed));
        Emit(context, record, [&] { PrintRecord(std::cout, record, summary); });
      });
  command->add_option("id", state->id, "The record: its number or full resource name")->required();
  AddPlantOfId(command, state->plant);
  command->add_option("--etag", state->etag,
                      "Only if the record is unchanged since you read this etag (else ABORTED)");
  state->fields = std::make_unique<RequestFields>(command);
  return *state->fields;
}

std::string StageName(const Json& stage) {
  std::string name = stage.value("kind", "");
  if (stage.value("level", 0) > 0) absl::StrAppend(&name, " ", stage.value("level", 0));
  return name;
}

Json TimersOf(Client& client, const std::string& plant, const std::string& subject) {
  Json timers = Json::array();
  const Json policies = client.Call("notifications", "ListPolicies", Json::object());
  for (const Json& policy : policies.value("policies", Json::array())) {
    try {
      timers.push_back(client.Call(
          "notifications", "GetTimer",
          {{"plant", plant}, {"subject", subject}, {"policy", policy.value("name", "")}}));
    } catch (const Failure& f) {
      if (f.exit_code != static_cast<int>(grpc::StatusCode::NOT_FOUND)) throw;
    }
  }
  return timers;
}

void PrintTimers(std::ostream& out, const Json& timers, bool with_subject) {
  Json rows = timers;
  for (Json& timer : rows) {
    std::vector<std::string> fired;
    std::string next;
    for (const Json& stage : timer.value("stages", Json::array())) {
      const std::string kind = StageName(stage);
      const std::string stage_state = stage.value("state", "");
      if (stage_state == "FIRED") fired.push_back(kind);
      if ((stage_state == "PENDING" || stage_state == "HELD") && next.empty()) {
        next = absl::StrCat(kind, " at ", Cell(stage, "dueTime"));
      }
    }
    timer["fired"] = absl::StrJoin(fired, ", ");
    timer["next"] = next;
  }
  std::vector<Column> columns = {{"POLICY", "policy"},   {"STATE", "state"}, {"DUE", "dueTime"},
                                 {"OVERDUE", "overdue"}, {"FIRED", "fired"}, {"NEXT", "next"}};
  if (with_subject) columns.insert(columns.begin(), {"SUBJECT", "@subject"});
  PrintTable(out, rows, columns);
}

CLI::App* Command(CLI::App& parent, const std::string& name, const std::string& help,
                  std::function<void()> run) {
  CLI::App* command = parent.add_subcommand(name, help);
  command->callback(std::move(run));
  return command;
}

}  // namespace qms::cli
