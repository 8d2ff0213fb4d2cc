package redirect

// Request holds only the fields of an API Gateway HTTP API (v2) event that
// the redirect reads. Decoding the full events.APIGatewayV2HTTPRequest
// costs more than the rest of the redirect together; encoding/json skips
// everything not named here.
type Request struct {
	RawQueryString string   `json:"rawQueryString"`
	Cookies        []string `json:"cookies"`
	Headers        struct {
		UserAgent    string `json:"user-agent"`
		SecPurpose   string `json:"sec-purpose"`
		Purpose      string `json:"purpose"`
		SecFetchDest string `json:"sec-fetch-dest"`
	} `json:"headers"`
	QueryStringParameters struct {
		To  string `json:"to"`
		Inv string `json:"inv"`
		Sid string `json:"sid"`
	} `json:"queryStringParameters"`
	PathParameters struct {
		Code string `json:"code"`
		Slug string `json:"slug"` // of /r/{code}/{slug}, a promo link
	} `json:"pathParameters"`
	RequestContext struct {
		HTTP struct {
			Method string `json:"method"`
		} `json:"http"`
	} `json:"requestContext"`
}

// Response is an HTTP API (v2) response with the redirect's fixed headers
// as struct fields, so encoding it builds no map.
type Response struct {
	StatusCode int      `json:"statusCode"`
	Headers    Headers  `json:"headers"`
	Cookies    []string `json:"cookies,omitempty"`
}

// Headers are the redirect's response headers.
type Headers struct {
	Location       string `json:"Location"`
	CacheControl   string `json:"Cache-Control"`
	ReferrerPolicy string `json:"Referrer-Policy"`
}
