// The web UI's login page: plain HTML and a form (no script, so it works under the strict
// CSP before anything of the app is loaded), in the style of the vSphere login.

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(hostName: string, message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vmdesk — log in</title>
<link rel="icon" href="./favicon.svg" type="image/svg+xml">
<style>
body { margin: 0; height: 100vh; display: grid; place-items: center; font: 14px/1.4 system-ui, 'Segoe UI', Helvetica, Arial, sans-serif; background: linear-gradient(160deg, #1f3a5f, #0e1f33); color: #1d1d1d; }
form { background: #fff; padding: 28px 32px; width: 320px; border-radius: 4px; box-shadow: 0 8px 30px rgba(0,0,0,.35); display: grid; gap: 10px; }
h1 { margin: 0 0 4px; font-size: 20px; color: #1f3a5f; } .host { margin: 0 0 10px; color: #555; }
label { display: grid; gap: 4px; color: #333; } input { font: inherit; padding: 6px 8px; border: 1px solid #aab4c0; border-radius: 2px; }
button { margin-top: 8px; font: inherit; padding: 7px; background: #2f6db3; color: #fff; border: 0; border-radius: 2px; cursor: pointer; }
.error { color: #b00020; margin: 0; }
</style></head>
<body><form method="post" action="./login" aria-label="Log in">
<h1>vmdesk</h1><p class="host">${escapeHtml(hostName)}</p>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<label>User name <input name="user" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form></body></html>
`;
}
