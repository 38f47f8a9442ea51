// The daily-work commands: each is a method of a service (called through reflection, like
// `qms call`), a request built from the command's options, and the reply shown as a table or a
// record for people, or as JSON with --json. One file of commands per service.
#ifndef QMS_TOOLS_CLI_COMMANDS_H_
#define QMS_TOOLS_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/cli/client.h"
#include "tools/cli/table.h"

namespace qms::cli {

struct Context {
  Client& client;
  bool json = false;  // --json: replies as JSON, for scripts
};

// The request a command sends: fixed fields, and fields bound to the command's options by their
// JSON path ("triage.responsibleDepartment"); an option not given leaves its field out.
class RequestFields {
 public:
  explicit RequestFields(CLI::App* command) : command_(command) {}

  CLI::Option* Text(const std::string& flag, const std::string& path, const std::string& help);
  CLI::Option* Number(const std::string& flag, const std::string& path, const std::string& help);
  // RFC 3339 ("2026-11-03T08:00:00Z") or "YYYY-MM-DD HH:MM" in UTC.
  CLI::Option* Time(const std::string& flag, const std::string& path, const std::string& help);
  CLI::Option* Flag(const std::string& flag, const std::string& path, const std::string& help);
  // Repeatable; each value one element.
  CLI::Option* Texts(const std::string& flag, const std::string& path, const std::string& help);
  // Repeatable; each value "a|b|c" becomes an object {keys[0]: a, keys[1]: b, ...}.
  CLI::Option* Records(const std::string& flag, const std::string& path,
                       const std::vector<std::string>& keys, const std::string& help);

  // A field every request of the command carries.
  void Always(const std::string& path, Json value);

  // The request: `fixed`, the Always fields and every given option's field.
  Json Build(Json fixed = Json::object()) const;

 private:
  enum class Kind { kText, kNumber, kTime, kFlag, kTexts, kRecords };
  struct Binding {
    Kind kind;
    std::string path;
    std::vector<std::string> keys;
    std::string text;
    std::vector<std::string> texts;
    bool flag = false;
    CLI::Option* option = nullptr;
  };
  Binding& Add(Kind kind, const std::string& path);

  CLI::App* command_;
  Json always_ = Json::object();
  std::deque<Binding> bindings_;  // stable addresses: CLI11 writes into them
};

// A time a person types (RFC 3339, "YYYY-MM-DD HH:MM" or "YYYY-MM-DD", UTC) in RFC 3339; a
// Failure naming `flag` otherwise.
std::string ToRfc3339(const std::string& flag, const std::string& text);

// Sets `value` at a dotted `path` of `object`, making the objects on the way.
void SetPath(Json& object, const std::string& path, Json value);

// A record's resource name from what a person types: a full name ("plants/SZ1/complaints/…") as
// it is; a number in `collection` of the plant it starts with ("SZ1-2026-00042" is SZ1's); an id
// without a plant in it (an audit finding's) in `collection` of `plant`.
std::string ResourceName(const std::string& id, const std::string& plant,
                         const std::string& collection);

// Every page of a List method (page tokens followed) up to `limit` records of `key`.
Json ListPages(Client& client, const std::string& service, const std::string& method, Json request,
               const std::string& key, int limit);

// The reply as --json asks, else as the table or record `show` prints.
void Emit(const Context& context, const Json& reply, const std::function<void()>& show);

// A subcommand whose work runs when it is chosen; a Failure thrown there ends qms with its code.
CLI::App* Command(CLI::App& parent, const std::string& name, const std::string& help,
                  std::function<void()> run);

// What a list is of: a plant ({"parent": "plants/P"} or {"plant": "P"}), or one record (its
// history: {"name": …} in `collection`).
struct Scope {
  enum Kind { kPlantParent, kPlantCode, kRecord } kind;
  std::string collection;  // kRecord
};

// `NAME list …`-style commands: --plant (or the record), --limit, the filters the caller binds to
// the returned fields; the records of `key` as a table of `columns`.
RequestFields& ListCommand(CLI::App& parent, Context& context, const std::string& name,
                           const std::string& help, const std::string& service,
                           const std::string& method, const Scope& scope, const std::string& key,
                           std::vector<Column> columns);

// `show ID`: Get`method` by name, shown as a record of `fields`, then `more(record)` (e.g. its
// timers) unless --json.
void ShowCommand(CLI::App& parent, Context& context, const std::string& service,
                 const std::string& method, const std::string& collection, const std::string& what,
                 std::vector<Column> fields, std::function<void(const Json&)> more = nullptr);

// A step on one record: ID, --etag and the fields the caller binds; prints the record's
// `summary` columns after the step.
RequestFields& StepCommand(CLI::App& parent, Context& context, const std::string& name,
                           const std::string& help, const std::string& service,
                           const std::string& method, const std::string& collection,
                           std::vector<Column> summary);

// The response timers notifications holds for `subject` (one per policy that armed one), and
// how they are shown: policy, state, due, overdue, the stages fired so far.
Json TimersOf(Client& client, const std::string& plant, const std::string& subject);
// A stage or a fired event as people name it: "WARNING", "BREACH", "ESCALATION 2".
std::string StageName(const Json& stage);
void PrintTimers(std::ostream& out, const Json& timers, bool with_subject);

void AddComplaintCommands(CLI::App& app, Context& context);
void AddNotificationCommands(CLI::App& app, Context& context);
void AddReturnCommands(CLI::App& app, Context& context);

}  // namespace qms::cli

#endif  // QMS_TOOLS_CLI_COMMANDS_H_
