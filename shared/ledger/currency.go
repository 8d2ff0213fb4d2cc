package ledger

import (
	"errors"
	"strings"
)

// exponents maps active ISO 4217 codes to their minor-unit exponents.
// Codes not listed have 2; the map lists those that differ, so the table
// stays short and reviewable.
var exponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// twoDecimals lists the other active ISO 4217 codes (exponent 2).
var twoDecimals = strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV
BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR
FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK
LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD
PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VES VED WST XCD XCG YER ZAR ZMW ZWG`)

func init() {
	for _, c := range twoDecimals {
		exponents[c] = 2
	}
}

// ErrCurrency is returned for a code that is not an active ISO 4217 currency.
var ErrCurrency = errors.New("not an ISO 4217 currency code")

// Currency normalizes a currency code to upper case and checks it. Only
// ASCII letters are folded: strings.ToUpper would turn "uſd" (long s) into
// "USD", so a code no billing system sent would pass.
func Currency(code string) (string, error) {
	c := []byte(strings.TrimSpace(code))
	if len(c) != 3 {
		return "", ErrCurrency
	}
	for i, b := range c {
		switch {
		case 'a' <= b && b <= 'z':
			c[i] = b - 'a' + 'A'
		case 'A' <= b && b <= 'Z':
		default:
			return "", ErrCurrency
		}
	}
	if _, ok := exponents[string(c)]; !ok {
		return "", ErrCurrency
	}
	return string(c), nil
}

// Exponent returns the number of decimals of a currency's minor unit.
func Exponent(currency string) (int, bool) {
	e, ok := exponents[currency]
	return e, ok
}
