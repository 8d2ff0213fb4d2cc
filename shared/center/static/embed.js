// Defines <partnerkit-center token="..."> for a SaaS's own pages:
//   <script type="module" src="PUBLIC_BASE_URL/center/embed.js"></script>
//   <partnerkit-center token="USER_JWT"></partnerkit-center>
import './app.js?v=__VERSION__';
