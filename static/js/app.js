// Small behaviours shared by every page. Pages work without it.
document.addEventListener("click", (event) => {
  // Close an open user menu when the user clicks elsewhere.
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
