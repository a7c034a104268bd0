export { campaignReport, type Report, type AgencyFigures, type ReportOptions } from './figures.js';
export { agencyCsv, chaseCsv, periodCsv, periodText, reportText, table } from './format.js';
export { periodReport, type PeriodReport } from './period.js';
export { campaignPage, createDashboard, periodPage, realDay } from './dashboard.js';
export { actionsCsv, actionsText, overdueActions } from './actions.js';
