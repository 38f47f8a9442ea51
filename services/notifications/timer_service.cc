#include "services/notifications/timer_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/roles.h"
#include "common/page_token.h"
#include "common/proto_time.h"
#include "common/server/handler.h"
#include "services/notifications/notification_proto.h"

namespace qms::notifications {

server::AccessTable TimerAccess() {
  using namespace auth;  // NOLINT
  // Timers belong to the services whose steps start and stop them.
  const std::vector<std::string> owners = {kService, kAdmin};
  return {
      {"ArmTimer", owners},
      {"BatchArmTimers", owners},
      {"DisarmTimer", owners},
      {"PauseTimer", owners},
      {"ResumeTimer", owners},
      {"GetTimer", server::Readers()},
      {"ListTimers", server::Readers()},
      {"ListPolicies", server::Readers()},
  };
}

grpc::Status TimerServiceImpl::ArmTimer(grpc::ServerContext* context,
                                        const v1::ArmTimerRequest* request, v1::Timer* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_RETURN_IF_ERROR(PlantAllowed(caller, "plant", request->plant()));
    FieldViolations v;
    const ArmInput input = ArmInputFromProto(v, *request, "");
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(auto armed, store_.Arm(input));
    if (auto next = EarliestPending(armed.timer)) engine_.NoteDue(*next);
    TimerToProto(armed.timer, response);
    return absl::OkStatus();
  });
}

grpc::Status TimerServiceImpl::BatchArmTimers(grpc::ServerContext* context,
                                              const v1::BatchArmTimersRequest* request,
                                              v1::BatchArmTimersResponse* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    for (int i = 0; i < request->requests_size(); ++i) {
      const std::string field = absl::StrCat("requests[", i, "].plant");
      QMS_RETURN_IF_ERROR(PlantAllowed(caller, field, request->requests(i).plant()));
    }
    FieldViolations v;
    if (request->requests_size() == 0 || request->requests_size() > kMaxBatch) {
      v.Add("requests", absl::StrCat("must hold 1 to ", kMaxBatch, " requests"));
    }
    std::vector<ArmInput> inputs;
    for (int i = 0; i < request->requests_size() && i < kMaxBatch; ++i) {
      inputs.push_back(
          ArmInputFromProto(v, request->requests(i), absl::StrCat("requests[", i, "].")));
    }
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(auto armed, store_.ArmMany(inputs));
    if (armed.earliest_due) engine_.NoteDue(*armed.earliest_due);
    response->set_armed(armed.armed);
    response->set_existing(armed.existing);
    return absl::OkStatus();
  });
}

grpc::Status TimerServiceImpl::DisarmTimer(grpc::ServerContext* context,
                                           const v1::DisarmTimerRequest* request,
                                           v1::Timer* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(auto key, AuthorizedKey(caller, *request, store_.policies()));
    FieldViolations v;
    CheckText(v, "deadline", request->deadline(), kMaxNameLength, false);
    CheckText(v, "request_id", request->request_id(), kMaxRequestIdLength, false);
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(auto disarmed, store_.Disarm(key, request->deadline()));
    for (const auto& [deadline, time] : disarmed.responses) {
      metrics_.Responded(key.plant, key.policy, deadline, time);
    }
    TimerToProto(disarmed.timer, response);
    return absl::OkStatus();
  });
}

grpc::Status TimerServiceImpl::PauseTimer(grpc::ServerContext* context,
                                          const v1::PauseTimerRequest* request,
                                          v1::Timer* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(auto key, AuthorizedKey(caller, *request, store_.policies()));
    QMS_ASSIGN_OR_RETURN(auto timer, store_.Pause(key));
    TimerToProto(timer, response);
    return absl::OkStatus();
  });
}

grpc::Status TimerServiceImpl::ResumeTimer(grpc::ServerContext* context,
                                           const v1::ResumeTimerRequest* request,
                                           v1::Timer* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(auto key, AuthorizedKey(caller, *request, store_.policies()));
    QMS_ASSIGN_OR_RETURN(auto timer, store_.Resume(key));
    if (auto next = EarliestPending(timer)) engine_.NoteDue(*next);
    TimerToProto(timer, response);
    return absl::OkStatus();
  });
}

grpc::Status TimerServiceImpl::GetTimer(grpc::ServerContext* context,
                                        const v1::GetTimerRequest* request, v1::Timer* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(auto key, AuthorizedKey(caller, *request, store_.policies()));
    QMS_ASSIGN_OR_RETURN(auto timer, store_.Get(key));
    TimerToProto(timer, response);
    return absl::OkStatus();
  });
}

grpc::Status TimerServiceImpl::ListTimers(grpc::ServerContext* context,
                                          const v1::ListTimersRequest* request,
                                          v1::ListTimersResponse* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_RETURN_IF_ERROR(PlantAllowed(caller, "plant", request->plant()));
    FieldViolations v;
    CheckText(v, "policy", request->policy(), kMaxNameLength, false);
    if (!v1::TimerState_IsValid(request->state())) v.Add("state", "is not a timer state");
    const int page_size = server::PageSize(v, request->page_size());
    QMS_RETURN_IF_ERROR(v.ToStatus());
    TimerFilter filter;
    filter.plant = request->plant();
    if (request->state() != v1::TIMER_STATE_UNSPECIFIED) {
      filter.state = static_cast<TimerState>(static_cast<int>(request->state()));
    }
    filter.policy = request->policy();
    filter.overdue_only = request->overdue_only();
    filter.page_size = page_size;
    const std::string query = absl::StrCat(filter.plant, "|", static_cast<int>(request->state()),
                                           "|", filter.policy, "|", filter.overdue_only);
    QMS_ASSIGN_OR_RETURN(auto after, DecodePageToken(request->page_token(), query));
    filter.after_id = after;
    QMS_ASSIGN_OR_RETURN(auto timers, store_.List(filter));
    for (const Timer& t : timers) TimerToProto(t, response->add_timers());
    if (static_cast<int>(timers.size()) == filter.page_size) {
      response->set_next_page_token(EncodePageToken(timers.back().id, query));
    }
    return absl::OkStatus();
  });
}

grpc::Status TimerServiceImpl::ListPolicies(grpc::ServerContext* context,
                                            const v1::ListPoliciesRequest*,
                                            v1::ListPoliciesResponse* response) {
  return server::Handle(context, [&](const server::Caller&) -> absl::Status {
    for (const auto& [name, policy] : store_.policies()) {
      v1::Policy* p = response->add_policies();
      p->set_name(name);
      p->set_description(policy.description);
      for (const DeadlineRule& d : policy.deadlines) {
        v1::Deadline* pd = p->add_deadlines();
        pd->set_name(d.name);
        pd->set_duration(d.duration_text);
        pd->set_warn_at_percent(d.warn_at_percent);
        pd->set_warn_before(d.warn_before_text);
        for (const std::string& r : d.roles) pd->add_roles(r);
        for (const EscalationRule& e : d.escalations) {
          v1::Escalation* pe = pd->add_escalations();
          pe->set_level(e.level);
          pe->set_after(e.after_text);
          for (const std::string& r : e.roles) pe->add_roles(r);
        }
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace qms::notifications
