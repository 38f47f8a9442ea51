#include "tests/support/in_process_service.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/db/migrator.h"
#include "common/status_macros.h"
#include "tests/support/tokens.h"

namespace qms::testing {

InProcessService::InProcessService(const ServiceSpec& spec, PlantCalendars plants) : spec_(spec) {
  pool_ = std::make_unique<db::ConnectionPool>(db_.options());
  if (spec_.migrations != nullptr) {
    const auto migrated = db::Migrate(*pool_, *spec_.migrations);
    EXPECT_TRUE(migrated.ok()) << spec_.name << ": " << migrated.status();
  }
  server::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.metrics_listen = "";
  options.plaintext = true;
  options.auth = TestVerifierOptions();
  runner_ = std::make_unique<server::ServiceRunner>(spec_.name, options);
  runner_->SetReadinessProbe([pool = pool_.get()] { return pool->Ping(); });
  context_ = std::make_unique<ServiceContext>(
      spec_, *pool_, std::make_shared<const PlantCalendars>(std::move(plants)), *runner_);
}

InProcessService::~InProcessService() {
  if (started_) {
    runner_->Shutdown();
    context_->StopLoops();
  }
  context_.reset();
  runner_.reset();
}

std::string InProcessService::address() const {
  return absl::StrCat("127.0.0.1:", runner_->grpc_port());
}

absl::Status InProcessService::Start() {
  QMS_RETURN_IF_ERROR(spec_.wire(*context_));
  QMS_RETURN_IF_ERROR(runner_->Start());
  context_->StartLoops();
  started_ = true;
  channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
  return absl::OkStatus();
}

}  // namespace qms::testing
