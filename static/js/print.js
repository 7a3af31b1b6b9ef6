// The project report's "Print" button: shown only when scripts run, opens the browser's print
// dialog (report-print.css sets A3 landscape and hides the navigation).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
