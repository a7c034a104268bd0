export { campaignReport, type Report, type AgencyFigures, type ReportOptions } from './figures.js';
export { agencyCsv, chaseCsv, reportText, table } from './format.js';
export { createDashboard } from './dashboard.js';
