# partnerkit. `make run` starts the local stack; `make test` installs and
# starts the test services and runs every test. See README.md.

GO        ?= go
GOFLAGS_LAMBDA = -tags lambda.norpc -trimpath -ldflags="-s -w"
LAMBDA_ENV = GOOS=linux GOARCH=arm64 CGO_ENABLED=0
FUNCTIONS = redirect partners signup billing stripe accrual invites unsubscribe center endpoints events

.PHONY: run test bench coldstart build fmt vet clean

run:
	$(GO) run ./infra/devserver

test:
	bash infra/scripts/test.sh

bench:
	bash infra/scripts/bench.sh

coldstart:
	bash infra/coldstart/run.sh

# build writes every function's arm64 bootstrap under bin/<name>/.
build:
	@for f in $(FUNCTIONS); do \
		echo "building $$f"; \
		$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	done

fmt:
	gofmt -w functions shared infra

vet:
	$(GO) vet ./...

clean:
	rm -rf bin .aws-sam .run

# sam build (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR.
build-RedirectFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/redirect

build-PartnersFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/partners

build-SignupFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/signup

build-BillingFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/billing

build-StripeFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/stripe

build-AccrualFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/accrual

build-InvitesFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/invites

build-UnsubscribeFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/unsubscribe

build-CenterFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/center

build-EndpointsFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/endpoints

build-EventsFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/events
