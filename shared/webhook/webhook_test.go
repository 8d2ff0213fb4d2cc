package webhook

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// The published Standard Webhooks test vector: verifying against it shows
// the scheme interoperates with other senders, not only with Sign.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = "1614265330"
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func specVerifier(t testing.TB, offset time.Duration, secrets ...string) *Verifier {
	t.Helper()
	v, err := NewVerifier(secrets, func() time.Time { return time.Unix(1614265330, 0).Add(offset) })
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSpecVector(t *testing.T) {
	got, err := Sign(specSecret, specID, 1614265330, []byte(specBody))
	if err != nil || got != specSignature {
		t.Errorf("Sign = %q, %v; want %q", got, err, specSignature)
	}
	other := "whsec_" + strings.Repeat("A", 32)
	tests := []struct {
		name    string
		v       *Verifier
		id, ts  string
		sig     string
		body    string
		wantErr bool
	}{
		{"spec", specVerifier(t, 0, specSecret), specID, specTimestamp, specSignature, specBody, false},
		{"rotation: any secret", specVerifier(t, 0, other, specSecret), specID, specTimestamp, specSignature, specBody, false},
		{"several signatures", specVerifier(t, 0, specSecret), specID, specTimestamp, "v1,AAAA v2,xyz " + specSignature, specBody, false},
		{"within tolerance", specVerifier(t, 299*time.Second, specSecret), specID, specTimestamp, specSignature, specBody, false},
		{"stale", specVerifier(t, 301*time.Second, specSecret), specID, specTimestamp, specSignature, specBody, true},
		{"future", specVerifier(t, -301*time.Second, specSecret), specID, specTimestamp, specSignature, specBody, true},
		{"other secret", specVerifier(t, 0, other), specID, specTimestamp, specSignature, specBody, true},
		{"body changed", specVerifier(t, 0, specSecret), specID, specTimestamp, specSignature, `{"test": 2432232315}`, true},
		{"id changed", specVerifier(t, 0, specSecret), specID + "x", specTimestamp, specSignature, specBody, true},
		{"no signature", specVerifier(t, 0, specSecret), specID, specTimestamp, "", specBody, true},
		{"no id", specVerifier(t, 0, specSecret), "", specTimestamp, specSignature, specBody, true},
		{"bad timestamp", specVerifier(t, 0, specSecret), specID, "16142653x0", specSignature, specBody, true},
		{"v2 only", specVerifier(t, 0, specSecret), specID, specTimestamp, strings.Replace(specSignature, "v1,", "v2,", 1), specBody, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Verify(tt.id, tt.ts, tt.sig, []byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Errorf("Verify = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestHeaderForms: a webhook-id is 1-255 printable ASCII characters
// without spaces, as the Standard Webhooks libraries make them; a
// timestamp is plain decimal digits. Each case is signed correctly, so
// only the header's form decides.
func TestHeaderForms(t *testing.T) {
	v := specVerifier(t, 0, specSecret)
	tests := []struct {
		name, id, ts string
		wantErr      bool
	}{
		{"dotted id", "evt_1.retry-1", specTimestamp, false},
		{"colon and underscore", "msg:2024_01-x", specTimestamp, false},
		{"every printable character", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", specTimestamp, false},
		{"255 characters", strings.Repeat("a", 255), specTimestamp, false},
		{"256 characters", strings.Repeat("a", 256), specTimestamp, true},
		{"space in id", "msg 1", specTimestamp, true},
		{"tab in id", "msg\t1", specTimestamp, true},
		{"newline in id", "msg\n1", specTimestamp, true},
		{"DEL in id", "msg\x7f", specTimestamp, true},
		{"non-ASCII id", "msg_é", specTimestamp, true},
		{"plus timestamp", specID, "+" + specTimestamp, true},
		{"minus timestamp", specID, "-" + specTimestamp, true},
		{"spaced timestamp", specID, " " + specTimestamp, true},
		{"empty timestamp", specID, "", true},
		{"timestamp overflow", specID, strings.Repeat("9", 30), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := signRaw(specSecret, tt.id, tt.ts, specBody)
			err := v.Verify(tt.id, tt.ts, sig, []byte(specBody))
			if got, want := err != nil, tt.wantErr; got != want {
				t.Errorf("Verify(%q, %q) = %v, want error %v", tt.id, tt.ts, err, want)
			}
		})
	}
}

// signRaw signs the header values exactly as given, so a test can offer a
// correctly signed header of any form.
func signRaw(secret, id, ts, body string) string {
	key, err := ParseSecret(secret)
	if err != nil {
		panic(err)
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, ts, []byte(body)))
}

func TestSecrets(t *testing.T) {
	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!", "whsec_c2hvcnQ="} {
		if _, err := NewVerifier([]string{bad}, nil); err == nil {
			t.Errorf("NewVerifier(%q) accepted it", bad)
		}
	}
}

func FuzzParseSignatures(f *testing.F) {
	f.Add(specSignature)
	f.Add("v1,AAAA v1, v1,,, v2,x " + specSignature)
	f.Add(strings.Repeat("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= ", 40))
	v := specVerifier(f, 0, specSecret)
	f.Fuzz(func(t *testing.T, header string) {
		sigs := ParseSignatures(header)
		if len(sigs) > maxSignatures {
			t.Fatalf("%d signatures parsed, limit %d", len(sigs), maxSignatures)
		}
		for _, s := range sigs {
			if len(s) != 32 {
				t.Fatalf("signature of %d bytes accepted", len(s))
			}
		}
		// Only a header holding the right signature verifies.
		err := v.Verify(specID, specTimestamp, header, []byte(specBody))
		if err == nil && !strings.Contains(header, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") {
			t.Fatalf("header %q verified without the signature", header)
		}
	})
}
