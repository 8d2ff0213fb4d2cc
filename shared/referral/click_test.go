package referral

import (
	"strings"
	"testing"
)

// agentSamples holds a real User-Agent for every platform the redirect
// must not count, one row per entry of agentTokens at least.
var agentSamples = []struct{ platform, ua string }{
	{"Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
	{"Googlebot smartphone", "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
	{"Google Search Console", "Mozilla/5.0 (compatible; Google-InspectionTool/1.0)"},
	{"AdSense", "Mediapartners-Google"},
	{"APIs-Google", "APIs-Google (+https://developers.google.com/webmasters/APIs-Google.html)"},
	{"Google Feedfetcher", "FeedFetcher-Google; (+http://www.google.com/feedfetcher.html)"},
	{"Bingbot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
	{"Applebot", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"},
	{"YandexBot", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"},
	{"Baiduspider", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"},
	{"DuckDuckBot", "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)"},
	{"Yahoo Slurp", "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)"},
	{"Internet Archive", "ia_archiver (+http://www.alexa.com/site/help/webmasters; crawler@alexa.com)"},
	{"Facebook", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
	{"iMessage", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0"},
	{"WhatsApp", "WhatsApp/2.23.20.0 A"},
	{"Slack unfurl", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
	{"Slack image proxy", "Slack-ImgProxy (+https://api.slack.com/robots)"},
	{"Discord", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"},
	{"Telegram", "TelegramBot (like TwitterBot)"},
	{"LinkedIn", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"},
	{"Twitter/X", "Twitterbot/1.0"},
	{"Skype", "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5"},
	{"Microsoft Teams", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0 MicrosoftPreview/2.0 +https://aka.ms/MicrosoftPreview"},
	{"Embedly", "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)"},
	{"Iframely", "Iframely/1.3.1 (+https://iframely.com/docs/about)"},
	{"UptimeRobot", "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"},
	{"Pingdom", "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)"},
	{"Pingdom transaction check", "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) Chrome/156.0 Safari/538.1 PingdomTMS/2020.2"},
	{"StatusCake", "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36 StatusCake"},
	{"Site24x7", "Site24x7"},
	{"updown.io", "updown.io daemon 2.11"},
	{"Datadog Synthetics", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 DatadogSynthetics"},
	{"a generic monitor", "Better Stack Monitor"},
}

func TestIsBotKnowsEveryPlatform(t *testing.T) {
	for _, s := range agentSamples {
		t.Run(s.platform, func(t *testing.T) {
			if !IsBot(s.ua) {
				t.Errorf("IsBot(%q) = false, want true", s.ua)
			}
		})
	}
	// Every token is needed by some sample, so the list holds no dead entry.
	for _, tok := range agentTokens {
		used := false
		for _, s := range agentSamples {
			if strings.Contains(strings.ToLower(s.ua), string(tok)) {
				used = true
			}
		}
		if !used {
			t.Errorf("no sample User-Agent exercises %q", tok)
		}
	}
}

func TestIsBotCountsPeople(t *testing.T) {
	people := []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
		"curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1", "",
	}
	for _, ua := range people {
		if IsBot(ua) {
			t.Errorf("IsBot(%q) = true, want false: people and plain clients are counted", ua)
		}
	}
	// A token past the examined prefix is not seen; real agents are short.
	if IsBot(strings.Repeat("x", maxAgent) + "Googlebot") {
		t.Error("IsBot looked past maxAgent bytes")
	}
}

func TestIsNavigation(t *testing.T) {
	for dest, want := range map[string]bool{"": true, "document": true, "image": false, "iframe": false, "script": false, "empty": false} {
		if got := IsNavigation(dest); got != want {
			t.Errorf("IsNavigation(%q) = %v, want %v", dest, got, want)
		}
	}
}
