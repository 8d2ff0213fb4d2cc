// The stand-alone Partner Center: the token arrives in the URL fragment
// (#token=...), which never reaches a server log. It is handed to the
// element in memory and removed from the address bar at once.
import './app.js?v=__VERSION__';

const el = document.querySelector('partnerkit-center');
const params = new URLSearchParams(location.hash.slice(1));
const token = params.get('token');
if (token) {
  history.replaceState(null, '', location.pathname + location.search);
}
el.token = token || '';
