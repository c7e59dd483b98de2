export const DASHBOARD_HTML = "<!doctype html><title>bento-kit</title>";
